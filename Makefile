# One-command set-up: `make run` (the default workflow) and `make test` (the test suite) create
# .venv with the pinned dependencies first. PYTHON must be a Python 3.11.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch 2.13.0 is installed first and explicitly, so pip never resolves it to a CUDA build on its
# own. On a machine without a local CPU wheel, use: make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=
TORCH_FLAGS := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)
# torch 2.9 + torch_xla 2.9 for the XLA test (torch_xla has no build for the torch pinned above)
XLA_VENV ?= .venv-xla

.PHONY: install install-tpu run test test-fast test-suite test-slurm test-xla docs lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0 $(TORCH_FLAGS)
	$(BIN)/pip install --quiet -e '.[test,slurm,report,docs]'
	-$(BIN)/promoterbench install-profiles  # `snakemake --profile slurm|tpu` as typed (see README)
	touch $@

install: $(VENV)/.installed

# A Cloud TPU VM: torch_xla's newest release needs torch 2.9.0 (envs/torch-xla.yaml), so torch is
# installed with it and promoterbench without letting pip swap torch for 2.13.0. From PyPI this
# is the CUDA build of torch (no CPU wheel of 2.9.0 is reachable): ~4 GB of downloads, an 8 GB venv.
install-tpu: $(VENV)/.installed-tpu

$(VENV)/.installed-tpu: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.9.0 'torch_xla[tpu]==2.9.0'
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	  print(*[r for r in p['dependencies'] + p['optional-dependencies']['report'] if not r.startswith('torch')])" \
	  | xargs $(BIN)/pip install --quiet
	-$(BIN)/promoterbench install-profiles
	touch $@

run: install
	$(BIN)/snakemake --cores 8 results/leaderboard.tsv

# The whole suite, as CI runs it: the main suite, the SLURM module and the XLA module (with the
# build of .venv-xla, mostly download) run side by side, since the engines spend much of their
# time waiting; each one's output is printed when it ends.
test: install
	$(MAKE) -j3 --output-sync=target test-suite test-slurm test-xla

# Everything but the engines' modules.
test-suite: install
	PROMOTERBENCH_REQUIRE_SHARED=1 $(BIN)/pytest -m "not slurm and not xla"

# The inner loop: no engines, no workflow runs.
test-fast: install
	$(BIN)/pytest -m "not workflow and not slurm and not xla"

# The slurm profile on a real one-node SLURM here (root, apt-get; tests/cluster/slurm.sh sets it up
# and takes it down): fails, rather than skips, where that cluster cannot be had.
test-slurm: install
	PROMOTERBENCH_REQUIRE_SLURM=1 $(BIN)/pytest -m slurm tests/cluster

# The tpu profile on torch_xla's CPU backend (PJRT_DEVICE=CPU), in a torch 2.9 environment of its
# own (.venv-xla, built by install-tpu), compared with a CPU run in the same environment.
test-xla: install
	$(MAKE) install-tpu VENV=$(XLA_VENV)
	PROMOTERBENCH_REQUIRE_XLA=1 PROMOTERBENCH_XLA_VENV=$(XLA_VENV) $(BIN)/pytest -s -m xla tests/test_xla.py

# The documentation site (docs/, mkdocs.yml): built strictly, as tests/test_docs.py does.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

lint: install
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

clean:
	rm -rf results resources .snakemake site
