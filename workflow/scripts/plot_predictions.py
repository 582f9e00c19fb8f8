"""Measured vs predicted, SNV effects and motif tiling, for every entry covering the split."""

import numpy as np
import pandas as pd

from promoterbench import formats, runtime, testset
from promoterbench.plots.predictions import motif_tiling, prediction_scatter, snv_effects
from promoterbench.testset import CATEGORY_BY_NAME, find_file

log = runtime.setup_logging(snakemake.log[0])
inp, out, split = snakemake.input, snakemake.output, snakemake.params.split
design, truth = testset.load(inp.test, inp.subsets, inp.public)
board = pd.read_csv(inp.leaderboard, sep="\t")
paths = dict(zip(snakemake.params.names, inp.submissions))
preds = {name: formats.read_submission(paths[name], design.n) for name in board["team"]}
index, pairs = design.select("all", split), design.select("snv", split)
covering = {n: p for n, p in preds.items() if np.isfinite(p[index]).all()}
log.info("entries covering the %s split: %s", split, ", ".join(covering))
prediction_scatter(covering, truth, index, out.predictions, split)
snv_effects(covering, truth, pairs, out.snv, split)
tiling = pd.read_csv(find_file(inp.subsets, CATEGORY_BY_NAME["motif_tiling"].csv))
tiling = tiling.drop_duplicates(["alt_pos", "ref_pos"])
used = np.unique(tiling[["alt_pos", "ref_pos"]].to_numpy())
motif_tiling(
    {n: p for n, p in preds.items() if np.isfinite(p[used]).all()}, truth, tiling, out.tiling
)
log.info("wrote %s, %s, %s", out.predictions, out.snv, out.tiling)
