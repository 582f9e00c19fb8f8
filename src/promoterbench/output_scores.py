"""Scores of the other data sets' models (DeepSTARR, lentiMPRA) on their test rows and their
leaderboard.

Every output is scored by Pearson r and Spearman ρ on all test rows (as the papers report them);
an entry's two ranking scores are the means of each over the outputs (``score_pearson_r``,
``score_spearman``: DeepSTARR's Dev and Hk, lentiMPRA's one cell type), ranked by the yeast
leaderboard's rule (:func:`promoterbench.bootstrap.ranking_key`: the mean of the two score ranks).
The published figures of the anchor models are a reference column, never a measurement.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from promoterbench import bootstrap, leaderboard, scoring

SCORES = bootstrap.OUTPUT_SCORES
SPLIT = "test"  # the rows every entry is scored on
MEAN = "mean"  # the evaluation row of the means over outputs
EVALUATION_COLUMNS = ("output", "n", "pearson_r", "spearman_rho")
# the short label of each output on the leaderboard (lentiMPRA's is the cell type)
LABELS = {"Dev_log2_enrichment": "Dev", "Hk_log2_enrichment": "Hk"}

# Published test Pearson r of models on these data (../shared/other_datasets/PROVENANCE.md):
# (data, model) -> (r per output label, where it is published). Not measured here.
PUBLISHED = {
    ("deepstarr", "deepstarr"): (
        {"Dev": 0.68, "Hk": 0.74},
        "de Almeida et al. 2022, DeepSTARR test set (chr2R, second half)",
    ),
    ("lentimpra", "mpra_legnet"): (
        {"K562": 0.87, "HepG2": 0.83, "WTC11": 0.79},
        "Agarwal et al. 2025 (MPRA-LegNet, held-out data, as listed by MPRA-MNIST)",
    ),
    ("lentimpra", "dream_rnn"): (
        {"K562": 0.796},
        "Rafi et al. 2024 (DREAM-RNN, one held-out split)",
    ),
}


def test_truth(table: str | Path, outputs: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
    """The ids of a data set table's test rows and their measurements (rows, outputs)."""
    rows = pq.read_table(table, columns=["id", "split", *outputs])
    rows = rows.filter(pc.equal(rows.column("split"), SPLIT))
    truth = np.column_stack([rows.column(name).to_numpy() for name in outputs])
    return rows.column("id").to_pylist(), truth


def read_predictions(path: str | Path, ids: list[str], outputs: tuple[str, ...]) -> np.ndarray:
    """The (rows, outputs) predictions of a predictions TSV (``id`` and a column per output); a
    ValueError naming the file where its ids are not the test rows' in their order."""
    table = pd.read_csv(path, sep="\t", dtype={"id": str})
    missing = [name for name in ("id", *outputs) if name not in table]
    if missing:
        raise ValueError(f"{path}: no column {', '.join(missing)}")
    if table["id"].tolist() != ids:
        at = next(
            (i for i, (a, b) in enumerate(zip(table["id"], ids)) if a != b),
            min(len(table), len(ids)),
        )
        raise ValueError(
            f"{path}: {len(table)} predictions for {len(ids)} test rows; line {at + 2} is not "
            f"the test row {ids[at] if at < len(ids) else '(none)'!r}: predict again"
        )
    return table[list(outputs)].to_numpy(dtype=np.float64)


def labels(outputs: tuple[str, ...], cell_type: str | None = None) -> list[str]:
    """The leaderboard label of each output column (``mean_value``: the cell type)."""
    return [LABELS.get(name, cell_type or name) for name in outputs]


def evaluate(truth: np.ndarray, pred: np.ndarray, outputs: list[str]) -> pd.DataFrame:
    """Pearson r and Spearman ρ of each output (``truth`` and ``pred`` (rows, outputs)), then the
    row ``mean`` of their means over the outputs (the ranking scores)."""
    if truth.shape != pred.shape or truth.shape[1] != len(outputs):
        raise ValueError(
            f"{pred.shape} predictions for {truth.shape} measurements of the outputs {outputs}"
        )
    rows = [(name, len(truth), *scoring.correlations(truth[:, j], pred[:, j]))
            for j, name in enumerate(outputs)]  # fmt: skip
    table = pd.DataFrame(rows, columns=EVALUATION_COLUMNS)
    means = table[["pearson_r", "spearman_rho"]].mean()
    mean = pd.DataFrame([(MEAN, len(truth), means["pearson_r"], means["spearman_rho"])],
                        columns=EVALUATION_COLUMNS)  # fmt: skip
    return pd.concat([table, mean], ignore_index=True)


def entry(name: str, evaluations: list[pd.DataFrame], info: dict) -> dict:
    """One leaderboard row: the mean and SD over replicates of the ranking scores and of each
    output's r and ρ (columns ``pearson_r_{label}``), and the training columns (``info``)."""
    row: dict = {"team": name, "kind": info.get("kind", "team"), "replicates": len(evaluations)}
    by_output = [table.set_index("output") for table in evaluations]
    for score, column in zip(SCORES, ("pearson_r", "spearman_rho")):
        row[score], row[f"{score}_sd"] = leaderboard.mean_sd(
            [t.loc[MEAN, column] for t in by_output]
        )
    for output in by_output[0].index.drop(MEAN):
        for column in ("pearson_r", "spearman_rho"):
            mean, sd = leaderboard.mean_sd([t.loc[output, column] for t in by_output])
            row[f"{column}_{output}"], row[f"{column}_{output}_sd"] = mean, sd
    for key in ("n_params", "steps", "still_learning", "train_seconds", "train_cpu_seconds"):
        row[key] = info.get(key)
    return row


def published(data: str, name: str, outputs: list[str]) -> dict:
    """The published columns of an entry: r per output label where a paper gives it, and its
    source; empty values elsewhere."""
    figures, source = PUBLISHED.get((data, name), ({}, None))
    row = {f"published_pearson_r_{label}": figures.get(label) for label in outputs}
    shown = source if any(v is not None for v in row.values()) else None
    return row | {"published_source": f"published, not measured here: {shown}" if shown else None}


def build(
    evaluations: dict[str, list[str]], summaries: dict[str, list[str]], data: str
) -> pd.DataFrame:
    """The ranked leaderboard of data set ``data`` from each entry's replicate evaluations and
    training summaries (file paths by entry)."""
    rows = []
    for name, paths in evaluations.items():
        infos = [json.loads(Path(p).read_text()) for p in summaries.get(name, [])]
        tables = [pd.read_csv(path, sep="\t") for path in paths]
        outputs = [o for o in tables[0]["output"] if o != MEAN]
        rows.append(
            entry(name, tables, leaderboard.training(infos)) | published(data, name, outputs)
        )
    board = pd.DataFrame(rows)
    board = leaderboard.order(board, np.ones(len(board), bool), SCORES)
    board["split"], board["data"] = SPLIT, data
    for column in ("n_params", "steps", "replicates"):
        board[column] = board[column].astype("Int64")
    return board
