"""Score one submission with the official per-category formula on the configured split (or the
public one for a submission of exactly the public leaderboard indices): the checks and verdict of
`promoterbench score` and `validate` (scoring.check_submission)."""

from promoterbench import runtime, scoring, testset

log = runtime.setup_logging(snakemake.log[0])
inp = snakemake.input
design, truth = testset.load(inp.test, inp.subsets, inp.public)
table, notes = scoring.score_submission(inp.submission, truth, design, snakemake.params.split)
for note in notes:
    log.warning("%s: %s", inp.submission, note)
table.to_csv(snakemake.output.evaluation, sep="\t", index=False, float_format="%.6g")
log.info("%s:\n%s", inp.submission, table.to_string(index=False))
