# Two commands are all a new user needs: `make demo` and `make test`.
# Each creates .venv on first use and installs everything into it; later calls reuse it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch goes in first, as its CPU build: anything that pulled torch in later would fetch the
# multi-GB CUDA build. Override TORCH_SPEC (or PIP_EXTRA_INDEX_URL) elsewhere if needed.
TORCH_SPEC ?= torch==2.13.0

CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test lint typecheck install browser benchmarks clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/verbatim demo

# The report tests open the HTML reports in Debian's Chromium (Playwright drives it; no browser
# is downloaded). Installed with apt-get when missing and we are root; otherwise those tests skip.
browser:
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
		|| echo "note: $(CHROMIUM) missing and not installable here; the browser tests will skip"; }

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && $(BIN)/mypy

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
