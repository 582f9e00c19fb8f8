"""Command-line interface: ``promoterbench score`` and friends."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from promoterbench import formats, scoring, testset
from promoterbench.settings import SCALES


def _score(args: argparse.Namespace) -> int:
    root = args.truth_dir
    design, truth = testset.load(testset.find_file(root, testset.TEST_FILE), root, root)
    pred = formats.read_submission(args.submission, design.n)
    table, notes = scoring.evaluate(pred, truth, design, (args.split,))
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    table.to_csv(sys.stdout, sep="\t", index=False, float_format="%.6f")
    for split in table["split"].unique():
        r2, rho = scoring.scores(table, split)
        print(f"# {split}\tScore PearsonR^2\t{r2:.4f}")
        print(f"# {split}\tScore Spearman\t{rho:.4f}")
    return 0


def _teams(args: argparse.Namespace) -> int:
    from promoterbench.teams import REGISTRY, get_team

    print("team\tkind\tarchitecture\tn_params\tfaithful_to\tsource")
    for name in REGISTRY:
        team = get_team(name)
        settings = team.settings(args.scale)
        fidelity = settings.get("faithful_to", "-")
        row = (name, team.kind, team.architecture, team.n_params(settings), fidelity, team.source)
        print("\t".join(map(str, row)))
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
    score.add_argument(
        "--split", choices=testset.SPLITS, default="private", help="default: private"
    )
    score.set_defaults(func=_score)
    teams = sub.add_parser(
        "teams",
        help="list the model zoo",
        description="Print every registered model as TSV: architecture and parameter count.",
    )
    teams.add_argument("--scale", choices=SCALES, default="paper", help="default: paper")
    teams.set_defaults(func=_teams)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (formats.FormatError, scoring.CoverageError, FileNotFoundError, ValueError) as err:
        print(f"promoterbench {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
