# One-command set-up: `make run` (the default workflow) and `make test` (the test suite) create
# .venv with the pinned dependencies first. PYTHON must be a Python 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch 2.13.0 is installed first and explicitly, so pip never resolves it to a CUDA build on its
# own. On a machine without a local CPU wheel, use: make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
TORCH_FLAGS := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)

.PHONY: install install-tpu run test lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0 $(TORCH_FLAGS)
	$(BIN)/pip install --quiet -e '.[test,slurm,report]'
	-$(BIN)/promoterbench install-profiles  # `snakemake --profile slurm|tpu` as typed (see README)
	touch $@

install: $(VENV)/.installed

# A Cloud TPU VM: torch_xla's newest release needs torch 2.9.0 (envs/torch-xla.yaml), so torch is
# installed with it and promoterbench without letting pip swap torch for 2.13.0.
install-tpu:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.9.0 'torch_xla[tpu]==2.9.0'
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  print(*[r for r in p['dependencies'] + p['optional-dependencies']['report'] if not r.startswith('torch')])" \
	  | xargs $(BIN)/pip install --quiet
	-$(BIN)/promoterbench install-profiles

run: install
	$(BIN)/snakemake --cores 8 results/leaderboard.tsv

test: install
	$(BIN)/pytest

# The slurm profile on a real one-node SLURM here (root, apt-get; tests/cluster/slurm.sh sets it up
# and takes it down): fails, rather than skips, where that cluster cannot be had.
.PHONY: test-slurm
test-slurm: install
	PROMOTERBENCH_REQUIRE_SLURM=1 $(BIN)/pytest -m slurm tests/cluster

lint: install
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

clean:
	rm -rf results resources .snakemake
