# The two commands of the quickstart: `make run` and `make test`.
# Each one prepares what it needs (virtualenv, packages, demo store, Debian chromium) on first use.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PORT    ?= 8501
STORE   ?= data/store
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-fast demo bench bench-kpi bench-kpi-update bench-sim bench-staffing bench-pages install chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.4"
	$(BIN)/uv pip install --python $(BIN)/python --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Browser tests use Debian's chromium (never playwright's own download, which cannot work offline).
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(STORE)/events/_delta_log: | $(STAMP)
	$(BIN)/labelline demo --store $(STORE)

demo: $(STAMP)
	$(BIN)/labelline demo --store $(STORE) --force

run: $(STAMP) $(STORE)/events/_delta_log
	LABELLINE_STORE=$(STORE) $(BIN)/labelline dashboard --port $(PORT) --address 127.0.0.1

test: $(STAMP) chromium
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slow and not live"

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

bench-kpi: $(STAMP)
	$(BIN)/python benchmarks/kpi_refresh.py

bench-kpi-update: $(STAMP)
	$(BIN)/python benchmarks/kpi_update.py

bench-sim: $(STAMP)
	$(BIN)/python benchmarks/sim.py

bench-staffing: $(STAMP)
	$(BIN)/python benchmarks/staffing.py

bench-pages: $(STAMP) chromium
	$(BIN)/python benchmarks/pages.py

clean:
	rm -rf $(VENV) $(STORE)
