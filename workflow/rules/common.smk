from snakemake.utils import validate

from promoterbench import teams as registry

validate(config, "../schemas/config.schema.yaml")

DATA = config["data"]
TEAMS = sorted(config["teams"])
_unknown = sorted(set(TEAMS) - set(registry.REGISTRY))
if _unknown:
    raise ValueError(
        f"config teams: unknown team(s) {', '.join(_unknown)}; "
        f"known: {', '.join(sorted(registry.REGISTRY))}"
    )


wildcard_constraints:
    data="synthetic|dream2022",
    team="|".join(TEAMS),
    name=r"[A-Za-z0-9_.\-]+",


def figures(wildcards):
    """Figures of the configured data source, built with results/leaderboard.tsv."""
    return [f"results/{DATA}/figures/leaderboard.png"]


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


def team_config(wildcards):
    """The config slice of one team: a change here re-runs only that team's chain."""
    return {
        "team": wildcards.team,
        "scale": config["scale"],
        "overrides": config["teams"][wildcards.team] or {},
    }


def team_source(wildcards):
    """The team's module, so that editing it re-runs the team."""
    return registry.source_file(wildcards.team)


def checkpoint_dir(wildcards):
    """Per-epoch checkpoints: next to, not inside, the train rule's outputs."""
    return f"results/{wildcards.data}/checkpoints/{wildcards.team}"


def entries(wildcards):
    """Everything on the leaderboard: trained teams and the oracle (synthetic data)."""
    names = list(TEAMS)
    if config["oracle"] and wildcards.data == "synthetic":
        names.append("oracle")
    return names


def evaluations(wildcards):
    return expand(
        "results/{data}/evaluation/{name}.tsv", data=wildcards.data, name=entries(wildcards)
    )


def train_summaries(wildcards):
    return expand(
        "results/{data}/models/{team}/train_summary.json", data=wildcards.data, team=TEAMS
    )


def configured_leaderboard(wildcards):
    """The leaderboard of the data source in config."""
    return f"results/{DATA}/leaderboard.tsv"
