"""DeepSTARR and lentiMPRA through Snakemake (issue 28, part 3): every offered model and the
k-mer baseline, one capped epoch at scale cpu, on fixtures in the official layouts built from the
organisers' real 1,000-row samples, to each data set's leaderboard."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from scipy import stats

from other_datasets_fixtures import (
    mpra_sample_rows,
    starr_sample_rows,
    write_deepstarr,
    write_mpra_tarball,
)
from promoterbench import architectures
from promoterbench.datasets import files
from workflow_helpers import copy_workflow, memory_overruns, snakemake

pytestmark = pytest.mark.workflow

CONFIGS = ("tiny.yaml", "other.yaml")
CAPPED = {"train": {"max_epochs": 1, "max_steps": 2}}  # a few steps: the contracts, not the fit
LABELS = {"deepstarr": ["Dev", "Hk"], "lentimpra": ["K562"]}


def write_fixture(data: str, folder):
    """The data set's record files in ``folder``, from the real samples."""
    folder.mkdir()
    if data == "deepstarr":
        write_deepstarr(folder, starr_sample_rows())
    else:
        write_mpra_tarball(folder, mpra_sample_rows())
    return folder


def other_config(data: str, local_dir, models: dict | None = None) -> dict:
    """The config of a run on ``data``: the fixture linked, not MD5-checked (it is not the
    record's), every offered model capped, the baseline at k 4."""
    if models is None:
        models = {m: CAPPED for m in architectures.models(data)} | {
            "kmer_ridge": {"model": {"k": 4}}
        }
    return {
        "data": data,
        data: {"local_dir": str(local_dir), "verify_md5": False, "models": models},
    }


def workdir_for(tmp_path_factory, data: str, **config) -> tuple:
    workdir = copy_workflow(tmp_path_factory.mktemp(f"run_{data}"))
    fixture = write_fixture(data, workdir / "fixture")
    (workdir / "other.yaml").write_text(yaml.safe_dump(other_config(data, fixture, **config)))
    return workdir


@pytest.fixture(scope="module", params=files.DATA)
def run(request, tmp_path_factory):
    data = request.param
    workdir = workdir_for(tmp_path_factory, data)
    out = snakemake(workdir, "results/leaderboard.tsv", configs=CONFIGS)
    (workdir / "run.out").write_text(out.stdout + out.stderr)
    return data, workdir


def test_every_model_is_ranked_with_the_published_figures_beside(run):
    data, workdir = run
    board = pd.read_csv(workdir / "results" / data / "leaderboard.tsv", sep="\t")
    assert (workdir / "results" / "leaderboard.tsv").read_text() == (
        workdir / "results" / data / "leaderboard.tsv"
    ).read_text()
    assert sorted(board["team"]) == sorted([*architectures.models(data), "kmer_ridge"])
    assert board["rank"].tolist() == list(range(1, len(board) + 1))
    assert (board["data"] == data).all() and (board["split"] == "test").all()
    assert board["mean_rank"].notna().all() and board["score_pearson_r_lo"].notna().all()
    published = board.set_index("team").filter(like="published_pearson_r_")
    assert list(published.columns) == [f"published_pearson_r_{label}" for label in LABELS[data]]
    anchors = {  # ../shared/other_datasets/PROVENANCE.md
        "deepstarr": {"deepstarr": [0.68, 0.74]},
        "lentimpra": {"mpra_legnet": [0.87], "dream_rnn": [0.796]},
    }[data]
    for team, row in published.iterrows():
        assert row.tolist() == anchors[team] if team in anchors else row.isna().all()
    sources = board.set_index("team")["published_source"]
    assert all(sources[t].startswith("published, not measured here: ") for t in anchors)
    assert sources.drop(list(anchors)).isna().all()
    assert f"promoterbench: {data} data, test split, scale cpu" in (workdir / "run.out").read_text()


def test_scores_per_output_are_scipys_on_the_predictions(run):
    data, workdir = run
    outputs = files.OUTPUTS[data]
    table = pq.read_table(workdir / "results" / data / "table.parquet").to_pandas()
    test = table[table["split"] == "test"]
    board = pd.read_csv(workdir / "results" / data / "leaderboard.tsv", sep="\t").set_index("team")
    for team in board.index:
        pred = pd.read_csv(workdir / "results" / data / "predictions" / team / "rep1.tsv", sep="\t")
        assert pred["id"].tolist() == test["id"].tolist()
        evaluation = pd.read_csv(
            workdir / "results" / data / "evaluation" / team / "rep1.tsv", sep="\t"
        ).set_index("output")
        r = [stats.pearsonr(test[o], pred[o])[0] for o in outputs]
        rho = [stats.spearmanr(test[o], pred[o])[0] for o in outputs]
        for label, r_o, rho_o in zip(LABELS[data], r, rho):
            assert evaluation.loc[label, "pearson_r"] == pytest.approx(r_o, abs=1e-5)
            assert evaluation.loc[label, "spearman_rho"] == pytest.approx(rho_o, abs=1e-5)
            assert board.loc[team, f"pearson_r_{label}"] == pytest.approx(r_o, abs=1e-4)
        assert board.loc[team, "score_pearson_r"] == pytest.approx(np.mean(r), abs=1e-4)
        assert board.loc[team, "score_spearman"] == pytest.approx(np.mean(rho), abs=1e-4)


def test_models_train_on_the_official_split_and_a_capped_epoch(run):
    data, workdir = run
    results = workdir / "results" / data
    table = pq.read_table(results / "table.parquet").to_pandas()
    if data == "deepstarr":  # the chromosome split: validation and test on chr2R
        assert set(table.loc[table["split"] != "train", "chrom"]) == {"chr2R"}
    else:  # the first fold is test, the next validation
        assert set(table.loc[table["split"] == "test", "fold"]) == {0}
        assert set(table.loc[table["split"] == "val", "fold"]) == {1}
    for model in architectures.models(data):
        selection = pd.read_parquet(results / "models" / model / "selection.parquet")
        assert (table["split"].to_numpy()[selection["row"]] == selection["split"]).all()
        summary = json.loads(
            (results / "models" / model / "rep1" / "train_summary.json").read_text()
        )
        assert summary["steps"] == 2 and summary["settings"]["train"]["max_epochs"] == 1
        assert summary["n_params"] > 0 and summary["kind"] == "model"
    for name in ("leaderboard", "predictions"):
        for suffix in ("png", "pdf"):
            assert (results / "figures" / f"{name}.{suffix}").stat().st_size > 10_000


def test_every_job_left_a_log_and_declares_the_memory_it_used(run):
    data, workdir = run
    logs = list((workdir / "results" / data / "logs").rglob("*.log"))
    assert len(logs) >= 4 * len(architectures.models(data))
    assert memory_overruns(workdir, "results/leaderboard.tsv", configs=CONFIGS) == []


def test_second_run_has_nothing_to_do(run):
    data, workdir = run
    out = snakemake(workdir, "-n", "results/leaderboard.tsv", configs=CONFIGS)
    assert "Nothing to be done" in out.stdout + out.stderr


@pytest.mark.parametrize(
    "model, message",
    [
        ("autosome", "model 'autosome' is not offered on deepstarr: dream_cnn, dream_rnn, "
         "dream_attn, deepstarr, kmer_ridge (autosome is a yeast team, for the data synthetic "
         "and dream2022)"),
        ("mpra_legnet", "model 'mpra_legnet' is not offered on deepstarr"),
    ],
)  # fmt: skip
def test_a_model_not_offered_is_refused_while_parsing(tmp_path, model, message):
    workdir = copy_workflow(tmp_path)
    config = other_config("deepstarr", tmp_path / "absent", {model: {}})
    (workdir / "other.yaml").write_text(yaml.safe_dump(config))
    out = snakemake(workdir, "-n", "results/leaderboard.tsv", configs=CONFIGS, check=False)
    assert out.returncode != 0
    assert f"config deepstarr.models: {message}" in out.stdout + out.stderr


def test_a_copy_that_is_not_the_records_fails_its_md5_check(tmp_path_factory):
    workdir = workdir_for(tmp_path_factory, "deepstarr")
    config = yaml.safe_load((workdir / "other.yaml").read_text())
    config["deepstarr"]["verify_md5"] = True
    (workdir / "other.yaml").write_text(yaml.safe_dump(config))
    out = snakemake(workdir, "resources/deepstarr/Sequences_Val.fa", configs=CONFIGS, check=False)
    log = (workdir / "results/deepstarr/logs/fetch/Sequences_Val.fa.log").read_text()
    assert (
        out.returncode != 0 and "differs from the published 9d1a0e5c9228aa033378af93074109e6" in log
    )
    assert not (workdir / "resources/deepstarr/Sequences_Val.fa").exists()
