import importlib.util
import json
import math
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from promoterbench import config_files, ensemble, formats, leaderboard, memory, runtime
from promoterbench import teams as registry
from promoterbench import testset, tuning
from promoterbench.datasets import files as dataset_files
from promoterbench.download import FILES as DOWNLOADS, url_for
from promoterbench.settings import check_order

SCHEMA = Path(workflow.current_basedir).parent / "schemas" / "config.schema.yaml"
config_files.read_text_values(config, config_files.load(SCHEMA))  # `--config key={a: 1}` is text
try:
    validate(config, str(SCHEMA))
except WorkflowError as err:  # jsonschema's message quotes the whole offending value
    raise WorkflowError(config_files.schema_error(err)) from None

# Checked while the workflow is parsed, before any job runs: a mistake costs no work.
check_order(config["ingest"], "ingest")
registry.check_config(config["teams"], config["scale"])

# A local run starts at most one job on the GPU at a time (Snakemake assigns no device ids: two
# trainings would share cuda:0); `--resources gpu=N` overrides it. Snakemake chooses its executor
# after parsing the workflow (local_exec is always true here), so a cluster profile must give
# `resources: [gpu=N]` itself: profiles/slurm does (each job gets a GPU of its own there).
if workflow.local_exec and "gpu" not in workflow.global_resources:
    workflow.register_resource("gpu", 1)

DATA = config["data"]
TEAMS = sorted(config["teams"])
# The other data sets (deepstarr, lentimpra: workflow/rules/datasets.smk) train the models of
# their own config section, checked here; their wildcards are {dataset} and {model}.
TABLE_DATA = dataset_files.DATA
MODELS = sorted(config[DATA]["models"]) if DATA in TABLE_DATA else []
if MODELS:
    from promoterbench import architectures  # torch: only for these data

    architectures.check_config(DATA, config[DATA]["models"], config["scale"])
REPLICATES = config["replicates"]
ENSEMBLE = ensemble.NAME
if ENSEMBLE in TEAMS:
    raise ValueError(f"config teams: {ENSEMBLE!r} is the name of the ensemble reference")


# External submissions: official JSONs dropped into submissions/ are scored on the real test set.
EXTERNAL = leaderboard.external_names("submissions")
if EXTERNAL and DATA != "dream2022":
    logger.warning(
        f"submissions/: {len(EXTERNAL)} file(s) are scored only with data: dream2022 "
        "(the synthetic test set has other indices); not scored in this run"
    )
_clash = sorted(set(EXTERNAL) & (set(TEAMS) | {"oracle", ENSEMBLE}))
if _clash:
    raise ValueError(
        f"submissions/: {', '.join(_clash)} would shadow a model of the workflow; rename"
    )


wildcard_constraints:
    data="synthetic|dream2022",
    team="|".join(TEAMS),
    name=leaderboard.NAME,
    rep=r"[1-9][0-9]*",
    dataset="|".join(TABLE_DATA),
    model="|".join(MODELS) or "(?!)",


FIGURES = ("leaderboard", "pairwise", "categories", "predictions", "snv_effects", "motif_tiling")
FIGURES += ("training_curves", "read_lengths")


def ism_on(data):
    """Whether the ISM comparison runs: synthetic data (the real data has no true ISM), with
    ism.sequences above 0."""
    return data == "synthetic" and config["ism"]["sequences"] > 0


TABLE_FIGURES = ("leaderboard", "predictions")  # an other data set's


def figures(wildcards):
    """Figures of the configured data source, built with results/leaderboard.tsv."""
    names = FIGURES + (("ism",) if ism_on(DATA) else ())
    if DATA in TABLE_DATA:
        names = TABLE_FIGURES
    return [f"results/{DATA}/figures/{name}.png" for name in names]


def raw_train(wildcards):
    return f"resources/{wildcards.data}/train_sequences.txt"


def test_file(wildcards):
    return f"resources/{wildcards.data}/filtered_test_data_with_MAUDE_expression.txt"


def truth_files(wildcards):
    """The official test files a submission is scored against."""
    root = f"resources/{wildcards.data}"
    return {
        "test": test_file(wildcards),
        "subsets": f"{root}/test_subset_ids",
        "public": f"{root}/public_leaderboard_ids",
    }


def download_source(wildcards):
    """Where one official file comes from: a local folder (linked) or a URL."""
    cfg = config["dream2022"]
    if cfg["local_dir"]:
        return {"local_dir": cfg["local_dir"], "url": None}
    return {"local_dir": None, "url": url_for(cfg["base_url"], wildcards.file)}


def id_files(wildcards):
    """The files a test-id tarball must hold (found by name anywhere inside)."""
    if wildcards.folder == testset.SUBSET_DIR:
        return [c.csv for c in testset.CATEGORIES if c.csv]
    return [c.json for c in testset.CATEGORIES]


def replicates(name):
    """Replicate numbers of an entry: 1..replicates for a team whose training draws random
    numbers and for the ensemble of them, 1 alone for a deterministic team, the oracle and an
    external submission."""
    stochastic = name == ENSEMBLE or (name in TEAMS and not configured_team(name).deterministic)
    return list(range(1, REPLICATES + 1)) if stochastic else [1]


def submission_path(data, name, rep):
    """A replicate's own submission, or an external one from submissions/."""
    if name in EXTERNAL:
        return f"submissions/{name}.json"
    return f"results/{data}/submissions/{name}/rep{rep}.json"


def submission_file(wildcards):
    return submission_path(wildcards.data, wildcards.name, wildcards.rep)


def team_entry(team):
    """(the class its entry names, or None for a built-in or installed team; its overrides)"""
    return registry.split_entry(config["teams"][team])


def configured_team(name):
    """The team called ``name`` as configured (its class where its entry names one)."""
    return registry.get_team(name, team_entry(name)[0])


def team_config(wildcards):
    """The config slice of one team: a change here re-runs only that team's chain."""
    target, overrides = team_entry(wildcards.team)
    named = {registry.CLASS_KEY: target} if target else {}  # built-in teams' params as before
    return {"team": wildcards.team, "scale": config["scale"], "overrides": overrides} | named


def probe_file(wildcards):
    """The common probe's reads (synthetic data only: the real data has no noise-free truth)."""
    return "resources/synthetic/truth/probe.tsv" if wildcards.data == "synthetic" else []


def train_budget():
    """Training FLOPs per model at scale cpu (None: the presets' own epochs, and at paper)."""
    return config["budget"]["train_flops"] if config["scale"] == "cpu" else None


def team_source(wildcards):
    """The file of the team's class (module or plugin file), so that editing it re-runs the team."""
    return registry.source_file(wildcards.team, team_entry(wildcards.team)[0])


def module_file(module):
    """The file of a promoterbench module, as an input: editing it re-runs the rule."""
    spec = importlib.util.find_spec(module)
    return spec.origin


def checkpoint_dir(wildcards):
    """Per-epoch checkpoints: next to, not inside, the train rule's outputs."""
    return f"results/{wildcards.data}/checkpoints/{wildcards.team}/rep{wildcards.rep}"


def entries(wildcards):
    """Everything on the leaderboard: trained teams, their ensemble (two or more teams), the
    oracle (synthetic data) and external submissions (real data)."""
    names = list(TEAMS)
    if config["ensemble"] and len(TEAMS) > 1:
        names.append(ENSEMBLE)
    if config["oracle"] and wildcards.data == "synthetic":
        names.append("oracle")
    if wildcards.data == "dream2022":
        names += EXTERNAL
    return names


def runs(wildcards):
    """(entry, replicate) of everything the bootstrap and the leaderboard score, by entry."""
    return [(name, rep) for name in entries(wildcards) for rep in replicates(name)]


def run_names(wildcards):
    """The entry of each of runs(), in order."""
    return [name for name, _ in runs(wildcards)]


def external(wildcards):
    return EXTERNAL if wildcards.data == "dream2022" else []


def evaluations(wildcards):
    """The evaluation table of every replicate of every entry, in runs() order."""
    return [f"results/{wildcards.data}/evaluation/{n}/rep{r}.tsv" for n, r in runs(wildcards)]


def first_evaluations(wildcards):
    """The evaluation table of each entry's replicate 1, in entries() order (the figures)."""
    return [f"results/{wildcards.data}/evaluation/{n}/rep1.tsv" for n in entries(wildcards)]


def submissions(wildcards):
    """The submission JSON of every replicate of every entry, in runs() order."""
    return [submission_path(wildcards.data, n, r) for n, r in runs(wildcards)]


def first_submissions(wildcards):
    """The submission JSON of each entry's replicate 1, in entries() order (the figures)."""
    return [submission_path(wildcards.data, n, 1) for n in entries(wildcards)]


def team_predictions(wildcards):
    """The ensemble's members: every trained team's test predictions of the same replicate (of
    its only one, for a deterministic team)."""
    rep = int(wildcards.rep)
    return [
        f"results/{wildcards.data}/predictions/{team}/rep{min(rep, len(replicates(team)))}.tsv"
        for team in TEAMS
    ]


def ism_scores(wildcards):
    """Per-sequence agreement with the true ISM of every replicate of every trained team and of
    the oracle (none off synthetic data)."""
    if not ism_on(wildcards.data):
        return []
    names = [name for name in entries(wildcards) if name in TEAMS or name == "oracle"]
    return [f"results/synthetic/ism/{n}/rep{r}.tsv" for n in names for r in replicates(n)]


def first_ism(kind):
    """The ISM files of every team's replicate 1 (the figure shows replicate 1)."""
    return [f"results/synthetic/ism/{team}/rep1.{kind}" for team in TEAMS]


def first_ism_effects(wildcards):
    return first_ism("parquet")


def first_ism_scores(wildcards):
    return first_ism("tsv")


def train_summaries(wildcards):
    """The training summary of every replicate of every team."""
    return [
        f"results/{wildcards.data}/models/{team}/rep{rep}/train_summary.json"
        for team in TEAMS
        for rep in replicates(team)
    ]


def first_models(wildcards, name):
    """One file of every team's replicate 1 (the figures show replicate 1)."""
    return [f"results/{wildcards.data}/models/{team}/rep1/{name}" for team in TEAMS]


def first_probe_curves(wildcards):
    return first_models(wildcards, "probe.tsv")


def first_histories(wildcards):
    return first_models(wildcards, "history.tsv")


def first_summaries(wildcards):
    return first_models(wildcards, "train_summary.json")


def tuning_trials(wildcards):
    """The learning-rate trials of the team: one per factor in ``tune.factors`` and seed."""
    return expand(
        "results/{data}/tuning/trials/{team}/{factor}/rep{rep}.json",
        data=wildcards.data,
        team=wildcards.team,
        factor=config["tune"]["factors"],
        rep=range(1, config["tune"]["replicates"] + 1),
    )


def tuning_tables(wildcards):
    """The trial tables of every configured model with a learning-rate setting (not kmer_ridge,
    solved in closed form, nor unlock_dna, whose Noam schedule has none)."""
    tunable = [t for t in TEAMS if tuning.lr_key(team_settings(t)) is not None]
    return expand("results/{data}/tuning/{team}.tsv", data=DATA, team=tunable)


def team_settings(name):
    """The resolved settings of one configured team at the configured scale."""
    return configured_team(name).settings(config["scale"], team_entry(name)[1])


def splits(wildcards):
    return expand("results/{data}/teams/{team}/split.parquet", data=wildcards.data, team=TEAMS)


def run_summary():
    """What a finished run prints: the leaderboard's top and where everything is."""
    board = Path("results/leaderboard.tsv")
    if not board.exists():
        return f"promoterbench: done; outputs under results/{DATA}/"
    table = pd.read_csv(board, sep="\t")
    ranked = table.loc[table["rank"].notna(), "split"]
    split = ranked.iloc[0] if len(ranked) else config["split"]
    return (
        f"promoterbench: {DATA} data, {split} split, scale {config['scale']} ({board})\n"
        f"{leaderboard.summary_text(table)}\n"
        f"figures: results/{DATA}/figures/*.png (and .pdf)\n"
        "report:  snakemake --report report.html"
    )


def configured_leaderboard(wildcards):
    """The leaderboard of the data source in config."""
    return f"results/{DATA}/leaderboard.tsv"


# -- the other data sets (workflow/rules/datasets.smk): {dataset} is deepstarr or lentimpra, the
# configured one; {model} one of its config section's models.


def dataset_source(wildcards):
    """Where the data set's record files come from (its config section's slice)."""
    cfg = config[wildcards.dataset]
    return {key: cfg[key] for key in ("local_dir", "base_url", "verify_md5")}


def table_inputs(wildcards):
    """The files the data set's table is read from."""
    names = dataset_files.table_inputs(wildcards.dataset, config[wildcards.dataset])
    return [f"resources/{wildcards.dataset}/{name}" for name in names]


def table_options(wildcards):
    """The config options of the data set's table (lentiMPRA: cell type and test fold)."""
    cfg = config[wildcards.dataset]
    return {key: cfg[key] for key in ("cell_type", "test_fold") if key in cfg}


def model_config(wildcards):
    """The config slice of one model: a change here re-runs only that model's chain."""
    overrides = config[wildcards.dataset]["models"][wildcards.model] or {}
    return {"model": wildcards.model, "scale": config["scale"], "overrides": overrides}


def model_replicates(model):
    """Replicate numbers of a model: 1 alone for the closed-form baseline, else 1..replicates."""
    return [1] if model == "kmer_ridge" else list(range(1, REPLICATES + 1))


def model_runs(wildcards):
    """(model, replicate) of everything the data set's bootstrap and leaderboard score."""
    return [(m, rep) for m in MODELS for rep in model_replicates(m)]


def model_run_names(wildcards):
    """The model of each of model_runs(), in order."""
    return [m for m, _ in model_runs(wildcards)]


def model_files(wildcards, pattern):
    """``pattern`` (with {dataset}, {model}, {rep}) for every run of model_runs()."""
    return [
        pattern.format(dataset=wildcards.dataset, model=m, rep=r) for m, r in model_runs(wildcards)
    ]


def model_predictions(wildcards):
    return model_files(wildcards, "results/{dataset}/predictions/{model}/rep{rep}.tsv")


def model_evaluations(wildcards):
    return model_files(wildcards, "results/{dataset}/evaluation/{model}/rep{rep}.tsv")


def model_summaries(wildcards):
    return model_files(wildcards, "results/{dataset}/models/{model}/rep{rep}/train_summary.json")


def first_model_predictions(wildcards):
    """Replicate 1 of every model (the figure shows replicate 1)."""
    return [f"results/{wildcards.dataset}/predictions/{m}/rep1.tsv" for m in MODELS]


def model_checkpoints(wildcards):
    """Per-epoch checkpoints of one model's replicate: next to, not inside, its outputs."""
    return f"results/{wildcards.dataset}/checkpoints/{wildcards.model}/rep{wildcards.rep}"


def table_predict_mem_mb(wildcards, input):
    """A prediction job on every row of the table at most (the test rows are a part)."""
    job_needs = needs(input)  # first: its file, made after the table, says when both are there
    rows = pq.read_metadata(input.table).num_rows
    return memory.predict_mem_mb(job_needs, config["device"], rows)


# -- memory: every rule's resources: mem_mb, so --resources mem_mb=... and SLURM ask what a job
# really needs. Data and scoring rules grow with one input; train and predict follow the team's
# memory.json (written by its split job; see promoterbench.memory).

# rule: (fixed MB, MB per MB of the input named, that input), from peak RSS at full size (README)
MEM_MB = {
    "ingest": (600, 0.6, "train"),
    "bin_by_length": (600, 1.5, "reads"),
    "split": (1200, 6.0, "bins"),
    "oracle": (400, 10.0, "truth"),
    "evaluate": (500, 20.0, "test"),
    "ensemble": (400, 2.0, "predictions"),
    "bootstrap": (600, 100.0, "test"),
    "plot_predictions": (600, 40.0, "test"),
    "plot_lengths": (600, 2.0, "bins"),
    "ingest_table": (300, 4.0, "files"),
    "select_rows": (800, 8.0, "table"),
    "evaluate_table": (500, 6.0, "table"),
    "bootstrap_table": (600, 10.0, "table"),
    "plot_table_predictions": (600, 6.0, "table"),
}


def size_mb(path):
    """Size of a file, of every file under a folder, or of a list of them, in MB (missing:
    Snakemake waits for it)."""
    if isinstance(path, list):
        return sum(size_mb(p) for p in path)
    path = Path(path)
    if not path.is_dir():
        return path.stat().st_size / memory.MB
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / memory.MB


def mem_mb(rule):
    """The resource function of ``rule`` in MEM_MB."""
    fixed, per_mb, name = MEM_MB[rule]

    def mem_mb_of_input(wildcards, input):
        return int(math.ceil((fixed + per_mb * size_mb(input[name])) / 100) * 100)

    return mem_mb_of_input


def simulate_mem_mb(wildcards):
    """The simulator holds the training reads' codes and labels (~120 B a read) in chunks."""
    return int(500 + 120 * config["synthetic"]["train_reads"] / memory.MB)


# The conda environment of the rules that train or predict, from the device (envs/README.md).
TORCH_ENV = f"../../envs/{runtime.torch_env(config['device'])}.yaml"


def gpus(wildcards):
    """GPUs a job that trains or predicts holds: one where config device runs on a CUDA GPU."""
    return int(runtime.uses_gpu(config["device"]))


def needs(input):
    return json.loads(Path(input.memory).read_text())


def train_mem_mb(wildcards, input):
    return memory.train_mem_mb(needs(input), config["device"])


def predict_mem_mb(wildcards, input):
    sequences = formats.count_lines(input.test)  # a gzip test file is read decompressed
    return memory.predict_mem_mb(needs(input), config["device"], sequences)


def ism_mem_mb(wildcards, input):
    """A prediction job on ism.sequences sequences' mutants, one sequence's at a time."""
    return memory.predict_mem_mb(needs(input), config["device"], 4 * memory.CPU_EVAL_BATCH)
