"""Command-line interface: ``promoterbench score`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from promoterbench import config_files, formats, ingest, model_cli, scoring, testset
from promoterbench.quoting import short_repr
from promoterbench.settings import SCALES


def _score(args: argparse.Namespace) -> int:
    design, truth = _truth(args.truth_dir)
    split = args.split or _configured_split()
    table, notes = scoring.score_submission(args.submission, truth, design, split)
    _print_notes(notes)
    table.to_csv(sys.stdout, sep="\t", index=False, float_format="%.6f")
    for split in table["split"].unique():
        r2, rho = scoring.scores(table, split)
        print(f"# {split}\tScore PearsonR^2\t{r2:.4f}")
        print(f"# {split}\tScore Spearman\t{rho:.4f}")
    return 0


OFFICIAL_TEST_SIZE = 71_103  # rows of the official test file (Zenodo record 10633252)


def _validate(args: argparse.Namespace) -> int:
    """Check a training file, the test file, a submission JSON or a config file; print its QC
    summary."""
    path: Path = args.path
    if path.is_dir():
        raise formats.FormatError(f"{path} is a directory; give a file to validate")
    if path.suffix == ".json":
        return _validate_submission(path, args.truth_dir, args.split)
    if path.suffix in (".yaml", ".yml"):
        config_files.load(path)
        print(f"{path}: OK (config file: YAML, a mapping, of a sane size; the schema and the "
              "teams' settings are checked by `snakemake -n`)")  # fmt: skip
        return 0
    is_test = path.name.startswith(testset.TEST_FILE)
    summary, rejected = ingest.scan(path, args.min_length, args.max_length)
    print("metric\tvalue")
    for key, value in summary.rows():
        if not (is_test and key.startswith("kept_label_")):  # test labels use another scale
            print(f"{key}\t{value}")
    if rejected:
        print("first rejected lines:", rejected.describe(path, 20, sep="\n"), sep="\n")
    warning = summary.warning(path, None, labels=not is_test)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    # the workflow reads the test file only when every line is valid
    ingest.check(path, summary, rejected, 0.0 if is_test else args.max_rejected_fraction)
    print(f"{path}: OK ({'test file' if is_test else 'training file'})")
    return 0


def _validate_submission(path: Path, truth_dir: Path | None, split: testset.Split | None) -> int:
    """The checks of `score` and the workflow's evaluate rule (scoring.check_submission)."""
    if truth_dir is None:
        pred = formats.read_submission(path, OFFICIAL_TEST_SIZE)
        print("metric\tvalue")
        print(f"predictions\t{int(np.isfinite(pred).sum())}\ntest_indices\t{len(pred)}")
        print(f"note: indices checked against the official test set (0..{len(pred) - 1}) only; "
              "--truth-dir also checks the split coverage and constant predictions",
              file=sys.stderr)  # fmt: skip
        print(f"{path}: OK (submission; split coverage not checked)")
        return 0
    design, _ = _truth(truth_dir)
    pred, scored, notes = scoring.check_submission(path, design, split or _configured_split())
    given = np.isfinite(pred)
    print("metric\tvalue")
    print(f"predictions\t{int(given.sum())}\ntest_indices\t{design.n}")
    for name in testset.SPLITS:
        need = design.required(name)
        print(f"covers_{name}\t{int((given & need).sum())} of {int(need.sum())}")
    _print_notes(notes)
    print(f"{path}: OK (submission, scored on the {scored} split)")
    return 0


def _truth(root: Path) -> tuple[testset.TestDesign, np.ndarray]:
    """The test set under ``root``, read as `score` and the evaluate rule read it."""
    return testset.load(testset.find_file(root, testset.TEST_FILE), root, root)


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _teams(args: argparse.Namespace) -> int:
    from promoterbench.teams import catalogue, zoo

    print("team\tkind\tarchitecture\tn_params\tfaithful_to\tsource\torigin")
    for line in catalogue.lines(zoo(_configured_teams(args.configfile)), args.scale):
        fidelity = "-"
        if line.faithful_to:
            default, *others = line.faithful_to
            fidelity = ", ".join([f"{default} (default)", *others])
        row = (line.name, line.kind, line.architecture, line.n_params or "-", fidelity,
               line.source, line.origin)  # fmt: skip
        print("\t".join(map(str, row)))
    return 0


def _configured_teams(path: Path | None) -> dict:
    """The ``teams:`` entries of a config file (by default ./config.yaml, where there is one)."""
    import yaml

    if path is None:
        path = Path("config.yaml")
        if not path.is_file():
            return {}
    return (yaml.safe_load(path.read_text()) or {}).get("teams") or {}


def _new_team(args: argparse.Namespace) -> int:
    from promoterbench.teams import scaffold

    path, line = scaffold.write(args.name, args.dir, args.like)
    print(f"wrote {path}; this line under `teams:` in config.yaml adds it to the workflow:")
    print(f"  {line}")
    return 0


def _install_profiles(args: argparse.Namespace) -> int:
    from promoterbench import profiles

    report = profiles.install(args.target, copy=args.copy, force=args.force)
    for line in report:
        print(line)
    return 1 if any(line.startswith("skipped") for line in report) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="promoterbench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser(
        "score",
        help="score a submission JSON with the official DREAM 2022 formula",
        description="Print per-category metrics (TSV) and the two weighted scores.",
    )
    score.add_argument("submission", type=Path, help="submission JSON {test index: prediction}")
    score.add_argument(
        "--truth-dir",
        type=Path,
        required=True,
        help=f"folder holding {testset.TEST_FILE}, {testset.SUBSET_DIR}/ and {testset.PUBLIC_DIR}/",
    )
    _add_split(score)
    score.set_defaults(func=_score)
    validate = sub.add_parser(
        "validate",
        help="check a training file, test file, submission JSON or config file without running "
        "the workflow",
        description="Read PATH as the workflow would and print its QC summary (line counts, "
        "rejected lines per reason, lengths, labels; gzip and byte-order marks are handled as "
        "in ingest). A submission gets the checks of `score` and the evaluate rule. Exit status "
        "1 when ingest would refuse the file, 2 when it cannot be read or used.",
    )
    validate.add_argument(
        "path", type=Path, help="train_sequences.txt[.gz], the test file, a .json or a .yaml"
    )
    validate.add_argument("--truth-dir", type=Path, help="test set a submission is checked against")
    _add_split(validate)
    validate.add_argument("--min-length", type=int, default=50, help="as ingest.min_length (50)")
    validate.add_argument("--max-length", type=int, default=250, help="as ingest.max_length (250)")
    validate.add_argument(
        "--max-rejected-fraction", type=float, default=0.1, help="as ingest's (0.1)"
    )
    validate.set_defaults(func=_validate)
    teams = sub.add_parser(
        "teams",
        help="list the model zoo",
        description="Print every model as TSV: the built-in teams, those of installed packages "
        "(entry points 'promoterbench.teams') and the classes the config's teams: entries name; "
        "architecture, parameter count and where each comes from.",
    )
    teams.add_argument("--scale", choices=SCALES, default="paper", help="default: paper")
    teams.add_argument(
        "--configfile", type=Path, help="config whose teams: entries name classes (config.yaml)"
    )
    teams.set_defaults(func=_teams)
    new_team = sub.add_parser(
        "new-team",
        help="write a model file of your own that trains as written",
        description="Write DIR/NAME.py, a TorchTeam subclass with presets for both scales, the "
        "hooks a recipe may override and a build_model, and print the config line that adds it.",
    )
    new_team.add_argument("name", help="the team's name (a Python identifier, e.g. my_cnn)")
    new_team.add_argument("--like", metavar="TEAM", help="start from this torch team's recipe")
    new_team.add_argument(
        "--dir", type=Path, default=Path("models"), help="where to write it (default: models/)"
    )
    new_team.set_defaults(func=_new_team)
    install = sub.add_parser(
        "install-profiles",
        help="make `snakemake --profile slurm|tpu` find this repository's profiles",
        description="Link profiles/slurm and profiles/tpu into Snakemake's user configuration "
        "directory ($XDG_CONFIG_HOME/snakemake or ~/.config/snakemake).",
    )
    install.add_argument("--target", type=Path, help="another directory to install into")
    install.add_argument("--copy", action="store_true", help="copy instead of linking")
    install.add_argument("--force", action="store_true", help="replace profiles of the same name")
    install.set_defaults(func=_install_profiles)
    model_cli.add_commands(sub)
    return parser


def _add_split(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--split",
        choices=testset.SPLITS,
        help="the split a submission is scored on (default: `split` in ./config.yaml, the "
        "workflow's, else private)",
    )


def _configured_split() -> testset.Split:
    """`split` of the workflow's config.yaml in the current directory (private without one)."""
    path = Path("config.yaml")
    split = config_files.load(path).get("split", "private") if path.is_file() else "private"
    if split not in testset.SPLITS:
        raise config_files.ConfigFileError(
            f"{path}: split {short_repr(split)} is not one of {', '.join(testset.SPLITS)}"
        )
    return split


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ingest.IngestError as err:
        print(f"promoterbench {args.command}: error: {err}", file=sys.stderr)
        return 1
    except (formats.FormatError, scoring.CoverageError, OSError, ValueError) as err:
        print(f"promoterbench {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
