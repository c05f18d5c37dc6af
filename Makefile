# The two set-up commands of the README:
#   make demo   installs scan, ingests the shipped corpus and runs a sample search
#   make test   installs scan and runs the tests (what .ci/run calls)
PYTHON ?= python3
QUERY ?= Hur påverkar distansarbete kommunens rekrytering?

.PHONY: install demo test bench lint

# torch first and alone: pip then takes the CPU build on this machine's disk, not a CUDA build.
.install.stamp: pyproject.toml
	$(PYTHON) -m pip install --quiet torch==2.13.0
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $@

install: .install.stamp

demo: install
	$(PYTHON) -m scan ingest corpus/
	$(PYTHON) -m scan search "$(QUERY)" -k 3

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) bench/run.py

lint: install
	$(PYTHON) -m ruff check src tests bench
