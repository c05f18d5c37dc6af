# The two set-up commands of the README:
#   make demo   installs scan, ingests the shipped corpus and runs a sample search
#   make test   installs scan (and chromium for the browser tests) and runs the tests (what .ci/run calls)
PYTHON ?= python3
QUERY ?= Hur påverkar distansarbete kommunens rekrytering?

.PHONY: install browser demo test bench lint

# torch first and alone: pip then takes the CPU build on this machine's disk, not a CUDA build.
.install.stamp: pyproject.toml
	$(PYTHON) -m pip install --quiet torch==2.13.0
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $@

install: .install.stamp

# Debian's chromium for the browser tests (they are skipped where it cannot be installed).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: the browser tests will be skipped (apt-get install chromium)"; fi; }

demo: install
	$(PYTHON) -m scan ingest corpus/
	$(PYTHON) -m scan search "$(QUERY)" -k 3

test: install browser
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) bench/run.py
	$(PYTHON) bench/pdf.py

lint: install
	$(PYTHON) -m ruff check src tests bench
