"""``promoterbench predict | variants | ism``: a trained model (or the oracle) on any sequences,
with the model's own test-time procedure (:class:`promoterbench.predictors.SavedModel`)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from promoterbench import ingest, predictors, runtime, sequence_files
from promoterbench import sequences as sq
from promoterbench.scoring import correlations

REFUSED = "refused_by_model"


class Progress:
    """Progress on stderr: a bar redrawn in place on a terminal, else a log line every tenth."""

    def __init__(self, what: str) -> None:
        self.what, self.tty = what, sys.stderr.isatty()
        self.start, self.shown = time.perf_counter(), -1

    def __call__(self, done: int, total: int) -> None:
        tenth = 10 * done // max(total, 1)
        rate = done / max(time.perf_counter() - self.start, 1e-9)
        text = f"{self.what}: {done} / {total}, {rate:.0f}/s"
        if self.tty:
            bar = "#" * (30 * done // max(total, 1))
            print(f"\r{text} [{bar:<30}]", end="\n" if done == total else "", file=sys.stderr)
        elif tenth != self.shown:
            print(text, file=sys.stderr)
        self.shown = tenth
        if done == total:
            self.start, self.shown = time.perf_counter(), -1  # the next pass (augmentations)


def _load(args: argparse.Namespace, progress) -> predictors.Predictor:
    runtime.set_threads(args.threads, torch=True)
    model = predictors.load(args.model, device=args.device, precision=args.precision,
                            batch_size=args.batch_size, progress=progress)  # fmt: skip
    print(f"loaded {model.description}", file=sys.stderr)
    return model


def _usable(
    model: predictors.Predictor, records: sequence_files.SequenceRecords, path: Path
) -> np.ndarray:
    """Indices of the records the model takes: refused ones join the rejected table, and the
    lengths its recipe crops or pads are counted in a warning."""
    refused = model.refusals(records.sequences)
    for i, reason in refused.items():
        records.rejected.add(int(records.line[i]), REFUSED, reason, records.ids[i])
    keep = np.setdiff1d(np.arange(len(records)), list(refused))
    width = model.input_width()
    if width is not None:
        length = sq.lengths(records.sequences)[keep]
        longer, shorter = int((length > width).sum()), int((length < width).sum())
        if longer or shorter:
            print(f"warning: {path}: {longer} record(s) longer than the model's {width}-nt input "
                  f"cropped and {shorter} shorter padded, as its recipe does", file=sys.stderr)  # fmt: skip
    return keep


def _report_rejected(records: sequence_files.SequenceRecords, path: Path, out: Path) -> None:
    if not records.rejected:
        return
    table = out.with_name(out.name + ".rejected.tsv")
    ingest.write_rejected(table, records.rejected)
    print(f"warning: {len(records.rejected)} of {len(records) + len(records.rejected)} records "
          f"rejected, listed in {table}: {records.rejected.describe(path, 3)}", file=sys.stderr)  # fmt: skip


def _predict(args: argparse.Namespace) -> int:
    records = sequence_files.read(args.input)
    model = _load(args, Progress("predicted"))
    keep = _usable(model, records, args.input)
    if len(keep) == 0:
        raise ValueError(f"{args.input}: the model takes none of its {len(records)} records")
    pred = model.predict(records.sequences.take(keep))
    table = pd.DataFrame({"id": np.asarray(records.ids)[keep], "prediction": pred})
    if records.expression is not None:
        measured = records.expression[keep]
        table["expression"] = measured
        r, rho = correlations(measured, pred.astype(np.float64))
        print(f"pearson_r\t{r:.4f}\nspearman_rho\t{rho:.4f}\nsequences\t{len(keep)}")
    table.to_csv(args.output, sep="\t", index=False)  # as the predict rule writes them
    print(f"wrote {len(table)} predictions ({records.kind}) to {args.output}", file=sys.stderr)
    _report_rejected(records, args.input, args.output)
    return 0


def _variants(args: argparse.Namespace) -> int:
    from promoterbench import variants

    ids, refs, alts = variants.read(args.variants)
    model = _load(args, Progress("predicted alleles"))
    for which, seqs in (("ref", refs), ("alt", alts)):
        refused = model.refusals(sq.as_string_array(seqs))
        if refused:
            i, reason = next(iter(refused.items()))
            raise ValueError(f"{args.variants}: variant {ids[i]!r}, {which} allele: {reason}")
    table = variants.effects(model, ids, refs, alts)
    table.to_csv(args.output, sep="\t", index=False, float_format="%.7g")
    print(f"wrote {len(table)} variant effects (alt − ref) to {args.output}", file=sys.stderr)
    return 0


def _ism(args: argparse.Namespace) -> int:
    records = sequence_files.read(args.input)
    from promoterbench import ism

    model = _load(args, ism.quiet)
    keep = _usable(model, records, args.input)
    ids = list(np.asarray(records.ids)[keep])
    table = ism.ism(model, ids, records.sequences.take(keep), Progress("ISM sequences"))
    if args.output.suffix == ".parquet":
        table.to_parquet(args.output, index=False)
    else:
        table.to_csv(args.output, sep="\t", index=False, float_format="%.7g")
    print(f"wrote {len(table)} effects of {len(ids)} sequences to {args.output}", file=sys.stderr)
    if args.plot:
        from promoterbench.plots.ism import sequence_maps

        paths = sequence_maps(table, args.plot, model.name)
        print(f"drew {len(paths)} heat maps in {args.plot}", file=sys.stderr)
    _report_rejected(records, args.input, args.output)
    return 0


INPUT_HELP = "FASTA, one sequence per line, or sequence<TAB>expression (plain or gzip)"


def _command(sub: argparse._SubParsersAction, name: str, func, inputs: tuple[str, str],
             output: str, **texts: str) -> argparse.ArgumentParser:  # fmt: skip
    """A subcommand taking MODEL, an input file (``inputs``: its name and help) and -o OUTPUT."""
    parser = sub.add_parser(name, **texts)
    parser.add_argument(
        "model",
        help="a trained model: results/{data}/models/{team}/rep{k}/ or its model.pt (a team's "
        "folder: replicate 1), or 'oracle' (the synthetic world's noise-free expression)",
    )
    parser.add_argument(inputs[0], type=Path, help=inputs[1])
    parser.add_argument("-o", "--output", type=Path, required=True, help=output)
    parser.add_argument("--device", default="auto", choices=runtime.DEVICES)
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    parser.add_argument(
        "--batch-size", type=int, help="sequences per forward pass (default: the predict rule's)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads (default 1, as the predict rule: "
        "its numbers bit for bit; more threads are faster and may change the last digit)",
    )
    parser.set_defaults(func=func)
    return parser


def add_commands(sub: argparse._SubParsersAction) -> None:
    """The predict, variants and ism subcommands."""
    _command(
        sub, "predict", _predict, ("input", INPUT_HELP), "TSV to write",
        help="predict the expression of any sequences with a trained model",
        description="Write id<TAB>prediction for every record (id: the FASTA name or the line "
        "number), in the model's expression units, with the predict rule's test-time procedure. "
        "Two-column input also gets Pearson r and Spearman rho against its expression column. "
        "Records that cannot be read are listed in OUTPUT.rejected.tsv.",
    )  # fmt: skip
    _command(
        sub, "variants", _variants, ("variants", "the variants TSV"), "TSV to write",
        help="predict the effect of variants (alt − ref)",
        description="VARIANTS is a TSV with a header: id, sequence, position (1-based), ref, alt; "
        "or id, ref_sequence, alt_sequence. Writes id, ref_prediction, alt_prediction, effect "
        "(alt − ref, the direction of the challenge's SNV pairs).",
    )  # fmt: skip
    ism = _command(
        sub, "ism", _ism, ("input", INPUT_HELP), "TSV or .parquet to write",
        help="in-silico mutagenesis: the effect of every single-base substitution",
        description="For every sequence, the predicted effect (mutant − reference) of each other "
        "base at each position: a long table id, position, ref, alt, reference_prediction, "
        "prediction, effect (TSV, or Parquet when OUTPUT ends in .parquet).",
    )  # fmt: skip
    ism.add_argument("--plot", type=Path, metavar="DIR", help="draw one heat map per sequence")
