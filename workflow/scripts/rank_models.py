"""Combine an other data set's evaluations, training summaries, bootstrap and paired comparisons
into its ranked leaderboard, with the published figures of the anchor models beside."""

from collections import defaultdict

import pandas as pd

from promoterbench import leaderboard, output_scores, runtime

log = runtime.setup_logging(snakemake.log[0])
inp, params, data = snakemake.input, snakemake.params, snakemake.wildcards.dataset
evaluations, summaries = defaultdict(list), defaultdict(list)
for name, evaluation, summary in zip(params.names, inp.evaluations, inp.summaries):
    evaluations[name].append(evaluation)
    summaries[name].append(summary)
scores = output_scores.SCORES
board = output_scores.build(evaluations, summaries, data)
board = leaderboard.with_intervals(board, pd.read_csv(inp.bootstrap, sep="\t"), scores)
board = leaderboard.with_comparisons(board, pd.read_csv(inp.pairwise, sep="\t"), scores)
board.to_csv(snakemake.output.leaderboard, sep="\t", index=False, float_format="%.4f")
log.info("leaderboard of %s:\n%s", data, board.to_string(index=False))
for line in leaderboard.adjacent_verdicts(board):
    log.info("%s", line)
