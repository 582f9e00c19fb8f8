"""Shared by the benchmark scripts: peak memory and how figures are printed and kept."""

from __future__ import annotations

import argparse
import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM resets at exec; ru_maxrss would include a parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(header: str, lines: list[str], out: Path) -> None:
    """Print the figures as TSV and append them to ``out`` (header once)."""
    print(header, *lines, sep="\n")
    new = not out.exists()
    with open(out, "a") as fh:
        fh.write((header + "\n" if new else "") + "\n".join(lines) + "\n")


def model_parser(doc: str, out: str, threads: int) -> argparse.ArgumentParser:
    """Arguments of the model benchmarks: team, scale, device, precision, CPU threads, --out."""
    from promoterbench import runtime

    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--team", required=True)
    parser.add_argument("--scale", choices=("paper", "cpu"), default="paper")
    parser.add_argument("--device", default="auto", choices=runtime.DEVICES)
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16"))
    parser.add_argument("--threads", type=int, default=threads, help="CPU threads")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name(out))
    return parser


def model_device(args: argparse.Namespace):
    """Threads set, the device resolved and checked, and CUDA's numerics (IEEE fp32, not TF32;
    deterministic kernels) set, as the workflow's scripts do."""
    from promoterbench import runtime

    runtime.set_threads(args.threads, torch=True)
    device = runtime.resolve_device(args.device)
    runtime.check_device(device, args.device)
    runtime.configure(device)
    return device


def wait(device) -> None:
    """Block until queued device work is done, so timings are real."""
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "xla":
        import torch_xla.core.xla_model as xm

        xm.wait_device_ops()


def reset_peak(device) -> None:
    """Start the device's peak-memory count afresh (CUDA), so that each measured size reports
    its own peak rather than the largest so far."""
    import torch

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_mb(device) -> float:
    """Peak device memory on an accelerator; peak RSS on the CPU."""
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    if device.type == "xla":
        import torch_xla.core.xla_model as xm

        info = xm.get_memory_info(device)
        return info.get("peak_bytes_used", info.get("bytes_used", 0)) / 2**20
    return peak_rss_mb()
