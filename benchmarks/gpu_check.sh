#!/usr/bin/env bash
# What only a GPU can confirm (issue 27; docs/gpus.md "Verified only by review"), in one go:
#   bash benchmarks/gpu_check.sh            # from the repository root, in the project's venv
# 1. tests/test_cuda.py: BiLSTM, swish loop and attention teams train with finite losses in fp32,
#    bf16 and fp16; train, predict and a killed-and-resumed run repeat bit for bit; the
#    recurrences stay float32 under CUDA autocast; the set-up memory check reads the GPU's free
#    memory; the workflow trains and predicts with device: cuda (numerics in train_summary.json,
#    reads staged, every job within its mem_mb: the CUDA-context term).
# 2. The host RAM of an initialised CUDA context (cuBLAS and cuDNN used once), against
#    promoterbench.memory.CUDA_CONTEXT_MB (sized from published figures until this measures it).
#    device: auto resolves to the GPU, and the workflow's parse-time check (/dev/nvidia*) sees it.
# 3. The GPU memory of one paper-scale training step against memory.device_need_mb (the set-up
#    check), per team, in fp32 and bf16 (the estimate is of fp32 activations); the set-up check
#    on the real free memory is in step 1 (test_cuda.py).
# 4. Paper-scale step time with the batches copied from pinned host memory against the reads
#    staged on the GPU (promoterbench.transfer), in fp32 and bf16, and with the opt-in fused
#    optimiser and torch.compile.
# 5. benchmarks/predict_throughput.py reports each batch size's own GPU peak (reset per size).
# Prints every figure and appends it to benchmarks/gpu_check.tsv (or $OUT); a step that crashes
# is a FAIL row; exits 1 when any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/gpu_check.tsv}
PY=${PYTHON:-python}
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
GPU=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1)
[ -s "$OUT" ] || printf 'date\tgpu\tcheck\tresult\tfigure\n' >"$OUT"
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$STAMP" "$GPU" "$1" "$2" "$3" | tee -a "$OUT"; }
rows() { while IFS=$'\t' read -r check result figure; do row "$check" "$result" "$figure"; done; }
crashed() { row "$1" FAIL "the step's Python exited non-zero (its traceback is above)"; }

$PY -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" ||
  { echo "no CUDA GPU visible to torch: nothing to check" >&2; exit 1; }

# 1. the CUDA tests
if $PY -m pytest -q -p no:cacheprovider tests/test_cuda.py >/tmp/gpu_check_tests.log 2>&1; then
  row test_cuda pass "$(tail -1 /tmp/gpu_check_tests.log)"
else
  row test_cuda FAIL "$(tail -1 /tmp/gpu_check_tests.log) (see /tmp/gpu_check_tests.log)"
fi

# 2. host RAM of the CUDA context
$PY - <<'PY' | rows || crashed cuda_context_host_mb
import torch

from promoterbench import memory


def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024


before = rss_mb()
x = torch.randn(256, 256, device="cuda")
(x @ x).sum().item()  # cuBLAS
conv = torch.nn.Conv1d(4, 8, 5).cuda()
conv(torch.randn(2, 4, 110, device="cuda")).sum().backward()  # cuDNN
lstm = torch.nn.LSTM(8, 8, batch_first=True).cuda()
lstm(torch.randn(2, 110, 8, device="cuda"))[0].sum().backward()  # cuDNN RNN
torch.cuda.synchronize()
grown = rss_mb() - before
verdict = "pass" if grown <= memory.CUDA_CONTEXT_MB else "FAIL (raise CUDA_CONTEXT_MB)"
print(f"cuda_context_host_mb\t{verdict}\t{grown:.0f} MB measured, {memory.CUDA_CONTEXT_MB} declared")
PY

# 2b. device: auto finds the GPU, in the job (torch) and at parse time (/dev/nvidia*, no torch:
#     the workflow's conda environment and gpu resource)
$PY - <<'PY' | rows || crashed auto_finds_the_gpu
from promoterbench import runtime

found = (runtime.resolve_device("auto"), runtime.uses_gpu("auto"), runtime.torch_env("auto"))
verdict = "pass" if found == (runtime.resolve_device("cuda"), True, "torch-cuda") else "FAIL"
print(f"auto_finds_the_gpu\t{verdict}\tdevice {found[0]}, gpu resource {int(found[1])}, env {found[2]}")
PY

# 3. one paper-scale training step per team and precision: GPU memory against the set-up estimate
$PY - <<'PY' | rows || crashed gpu_memory
import numpy as np
import torch

from promoterbench import memory, runtime
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.training import Trainer

device = runtime.resolve_device("cuda")
runtime.configure(device)
TEAMS = ("autosome", "camformers", "madlab", "noisy_chardonnay", "wan_barton", "bhi", "unlock_dna",
         "dream_cnn", "dream_rnn", "dream_attn")
for name in TEAMS:
    for precision in ("fp32", "bf16"):
        team = get_team(name)
        settings = team.settings("paper")
        batch = int(settings["train"]["batch_size"])
        needs = team.memory_needs(settings, 2 * batch)
        torch.cuda.empty_cache()
        free = torch.cuda.mem_get_info(device)[0] / memory.MB
        estimate = memory.device_need_mb(needs, batch)
        torch.cuda.reset_peak_memory_stats(device)
        check = f"gpu_memory_{name}_{precision}"
        try:
            trainer = Trainer(team, settings, FitContext(device=device, precision=precision))
            data = team.encode(Reads.random(2 * batch), settings)
            state = trainer.setup(data, team.encode(Reads.random(0), settings))
            trainer.step(state, data, np.arange(batch))
            torch.cuda.synchronize()
            peak = torch.cuda.max_memory_allocated(device) / memory.MB
            ok = peak <= estimate or estimate > free
            result = "pass" if ok else "FAIL (estimate below the peak)"
            print(f"{check}\t{result}\tpeak {peak:.0f} MB, estimate {estimate:.0f} MB, free {free:.0f} MB")
        except torch.cuda.OutOfMemoryError:
            result = "pass" if estimate > free else "FAIL (check_fits let it through)"
            print(f"{check}\t{result}\tout of memory; estimate {estimate:.0f} MB, free {free:.0f} MB")
        trainer = data = state = None
        torch.cuda.empty_cache()
PY

# 4. paper-scale step time with the workflow's CUDA numerics (runtime.configure: no TF32): host
#    copies (pinned, asynchronous) vs reads staged on the GPU, in fp32; staged in bf16; and the
#    opt-in fused optimiser and torch.compile (madlab's swish loop) on staged reads in fp32
$PY - <<'PY' | rows || crashed step_time_staged
import time

import numpy as np
import torch

from promoterbench import runtime, transfer
from promoterbench.teams import get_team
from promoterbench.teams.base import FitContext, Reads
from promoterbench.training import Trainer

device = runtime.resolve_device("cuda")
runtime.configure(device)
WARMUP, STEPS = 5, 20
for name in ("autosome", "camformers", "madlab", "noisy_chardonnay", "unlock_dna"):
    modes = {"host": ({}, "fp32"), "staged": ({}, "fp32"), "staged_bf16": ({}, "bf16")}
    modes["staged_compile" if name == "madlab" else "staged_fused"] = (
        {"compile": True} if name == "madlab" else {"fused_optimizer": True},  # RMSprop: no fused
        "fp32",
    )
    for mode, (train, precision) in modes.items():
        team = get_team(name)
        settings = team.settings("paper", {"train": train})
        batch = int(settings["train"]["batch_size"])
        data = team.encode(Reads.random(4 * batch, 1), settings)
        trainer = Trainer(team, settings, FitContext(device=device, precision=precision))
        state = trainer.setup(data, team.encode(Reads.random(0), settings))
        if mode != "host":
            transfer.stage(data, device)
        order = np.random.default_rng(1).permutation(len(data))
        batches = [order[k * batch : (k + 1) * batch] for k in range(len(data) // batch)]
        for i in range(WARMUP):  # compilation and cuDNN's first calls
            trainer.step(state, data, batches[i % len(batches)])
        torch.cuda.synchronize(device)
        start = time.perf_counter()
        for i in range(STEPS):
            trainer.step(state, data, batches[i % len(batches)])
        torch.cuda.synchronize(device)
        ms = (time.perf_counter() - start) / STEPS * 1000
        print(f"step_time_{name}_{mode}\tmeasured\t{ms:.1f} ms a step (mean of {STEPS}), batch {batch}, {precision}")
        del state, trainer, data
        torch.cuda.empty_cache()
PY

# 5. predict_throughput's GPU peak is each batch size's own: a large size, then a small one
rm -f /tmp/gpu_check_predict.tsv
if $PY benchmarks/predict_throughput.py --team autosome --scale paper --device cuda \
  --batch-sizes 1024 64 --sequences 2048 --repeats 1 --out /tmp/gpu_check_predict.tsv; then
  peaks=$(awk -F'\t' 'NR > 1 { printf "%s ", $11 }' /tmp/gpu_check_predict.tsv)
  set -- $peaks
  if [ "$#" -eq 2 ] && awk "BEGIN { exit !($2 < $1) }"; then
    row predict_peak_per_size pass "peak ${1} MB at batch 1024, ${2} MB at batch 64"
  else
    row predict_peak_per_size FAIL "peaks '${peaks}' (batch 1024, then 64): not reset per size"
  fi
else
  crashed predict_peak_per_size
fi

echo "appended to $OUT"
if awk -F'\t' -v stamp="$STAMP" '$1 == stamp && $4 ~ /^FAIL/ { bad = 1 } END { exit !bad }' "$OUT"; then
  echo "some checks FAILED (above)" >&2
  exit 1
fi
exit 0
