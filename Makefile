# The README's two commands: `make run` and `make test` (`make test-fast` and `make check`
# for the edit loop: see the README's Tests section).
# Both create the virtual environment on first use and are fast afterwards:
# the install step re-runs only when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
HOST   ?= 127.0.0.1
PORT   ?= 8501

.PHONY: run test test-fast check lint bench chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/command-builder serve --host $(HOST) --port $(PORT)

chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "*** $(CHROMIUM) is missing and cannot be installed (not root, no sudo)."; \
		echo "*** Install it with: apt-get install -y chromium. Browser tests will be SKIPPED."; \
	fi

# pytest-xdist workers: `auto` is one per core, 0 runs in this process (serial).
# `make test-fast` uses every core; `make test` (CI) is serial.
WORKERS      ?= 0
FAST_WORKERS ?= auto
XDIST        := -n $(WORKERS) --dist worksteal

# Types and formatting first (`check`), then every test, each property test with its full
# example count.
test: $(STAMP) chromium check
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# Everything but the browser tests and the ones marked slow (real servers, subprocess runners,
# long property tests, the long parametrizations); property tests with a fifth of their
# examples (the "fast" hypothesis profile, tests/conftest.py).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser and not slow" \
		--hypothesis-profile=fast -n $(FAST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Types and formatting: mypy on src/ (strict on form/, commands/, schema/, workspace/),
# ruff format --check, ruff check. Part of `make test`; on its own for the edit loop.
check: $(STAMP)
	$(BIN)/mypy
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_workspace.py
	$(BIN)/python benchmarks/bench_commands.py
	$(BIN)/python benchmarks/bench_form.py
	$(BIN)/python benchmarks/page_switch.py
	$(BIN)/python benchmarks/browser_cost.py --app $(foreach k,none selectbox light_select segmented_control light_segments toggle light_toggle,--script $(k)=benchmarks/layout_variants/elements.py::$(k),8)
