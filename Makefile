# CivicLedger: `make demo` and `make test` are all a fresh clone needs (Python 3.11, Node 20, npm).
# Everything is installed inside the project: .venv/, node_modules/, .solcx/ (compiler) and
# .brownie-home/ (Brownie's data folder, holding this project's network-config.yaml).

SOLC_VERSION := $(shell sed -n 's/^ *version: *\([0-9.]*\).*/\1/p' brownie-config.yaml | head -1)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
ROOT := $(CURDIR)

# Brownie and the civic CLI run with a project-local HOME (Brownie keeps its data folder in
# ~/.brownie) and find the compiler and Ganache inside the project.
RUN := HOME=$(ROOT)/.brownie-home SOLCX_BINARY_PATH=$(ROOT)/.solcx \
	PATH=$(ROOT)/$(VENV)/bin:$(ROOT)/node_modules/.bin:$$PATH

STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed
SOLC := .solcx/solc-v$(SOLC_VERSION)
NETWORKS := .brownie-home/.brownie/network-config.yaml
STAMP_BROWSER := $(VENV)/.chromium

.PHONY: install compile test demo bench lint coverage clean

install: $(STAMP_PY) $(STAMP_NODE) $(SOLC) $(NETWORKS) $(STAMP_BROWSER)

$(STAMP_PY): pyproject.toml
	@echo "==> Python packages into $(VENV)/ (eth-brownie, web3, click; 2-3 minutes the first time)"
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# `npm install`, not `npm ci`: npm 11 leaves the platform packages of cbor-extract (an optional
# dependency of lib-sourcify's) out of the lock file, and `npm ci` then refuses the lock as out of
# sync; with the lock present, `npm install` installs exactly what it pins and leaves it unchanged.
$(STAMP_NODE): package.json package-lock.json
	@echo "==> npm packages into node_modules/ (Ganache, Anvil, solc-js, OpenZeppelin 5.4.0)"
	npm install --no-audit --no-fund --loglevel=error
	touch $@

$(SOLC): $(STAMP_NODE) tools/setup-solc.sh brownie-config.yaml
	bash tools/setup-solc.sh $(SOLC_VERSION)

# The transparency report's browser test drives Debian's Chromium through the playwright
# package (never Playwright's own browser downloads). Only root can apt-get it: anyone else gets
# one line saying how, and that test skips until then.
$(STAMP_BROWSER): | $(STAMP_PY)
	@if [ -x /usr/bin/chromium ]; then touch $@; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "==> Chromium (Debian's package) for the transparency report's browser test"; \
		apt-get update -qq && apt-get install -y -qq chromium && touch $@; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install -y chromium' for the report's browser test (it skips until then)"; \
	fi

$(NETWORKS): network-config.yaml
	mkdir -p $(dir $@)
	cp network-config.yaml $@

compile: install
	@echo "==> Compiling contracts with solc $(SOLC_VERSION) (viaIR: 1-2 minutes from clean, cached afterwards)"
	$(RUN) brownie compile

# The chain engine the suite runs on: Ganache 7.9.2 (default) or Anvil (`make test EVM=anvil`,
# npm's @foundry-rs/anvil); CI runs both. Test files run in parallel, one worker per core, each
# worker on a chain of its own (Brownie's pytest-xdist support).
EVM ?= ganache
TEST_NETWORK := $(if $(filter ganache,$(EVM)),development,$(if $(filter anvil,$(EVM)),anvil,))
TEST_WORKERS ?= auto

test: compile
	@test -n "$(TEST_NETWORK)" || { echo "EVM=$(EVM): the suite runs on EVM=ganache or EVM=anvil"; exit 2; }
	@echo "==> Test suite on $(EVM) (chains of its own, free ports): unit, integration, property state"
	@echo "    machines, CLI processes killed and resumed, audit, report in Chromium; 5-9 minutes on 2 cores"
	$(RUN) brownie test tests/ --network $(TEST_NETWORK) -n $(TEST_WORKERS) --no-loadscope-reorder \
		--durations=5

demo: compile
	@echo "==> civic demo: the whole story on a throwaway local Ganache (under 2 minutes)"
	$(RUN) civic demo

bench: compile
	$(RUN) civic bench --output bench/results.json

# Offline, fastest first; Slither last (about 2-3 minutes on 2 cores, viaIR compile included).
# Needs only the Python and npm packages and the compiler (never the browser install).
lint: $(STAMP_PY) $(STAMP_NODE) $(SOLC)
	@echo "==> ruff: Python lint of src/, tests/, scripts/, tools/"
	$(VENV)/bin/ruff check src tests scripts tools
	@echo "==> black --check: Python formatting of src/, tests/, scripts/, tools/"
	$(VENV)/bin/black --check src tests scripts tools
	@echo "==> solhint: Solidity style and safety rules (.solhint.json) over contracts/ and interfaces/; warnings fail"
	$(RUN) solhint --disc --max-warnings 0 'contracts/**/*.sol' 'interfaces/**/*.sol'
	@echo "==> Slither: static analysis of every contracts/**/*.sol, compiled with solc $(SOLC_VERSION) exactly as"
	@echo "    Brownie compiles it (tools/slither_check.py); any high or medium finding fails"
	$(RUN) $(VENV)/bin/python tools/slither_check.py
	@echo "==> lint passed"

# Branch coverage of the project's own contracts (tools/coverage/, README "Coverage"): a copy of
# the project built with the legacy pipeline under build/coverage/ (viaIR's source maps
# under-report), run on Anvil with step tracing through a plugin that loads Brownie's working
# coverage modules and masks immutables; build/ and what `make test` uses are never touched.
# Every test must pass there too, and the figure of our own contracts must reach 95 %.
COVERAGE_TESTS ?= tests/unit tests/security
COVERAGE_RUN := HOME=$(ROOT)/build/coverage/home SOLCX_BINARY_PATH=$(ROOT)/.solcx \
	PYTHONPATH=$(ROOT)/tools/coverage PATH=$(ROOT)/$(VENV)/bin:$(ROOT)/node_modules/.bin:$$PATH

coverage: install
	@echo "==> Branch coverage: $(COVERAGE_TESTS) on Anvil, legacy-pipeline copy in build/coverage/"
	bash tools/coverage/prepare.sh
	cd build/coverage/project && $(COVERAGE_RUN) brownie test $(COVERAGE_TESTS) --coverage \
		--network anvil -p civic_coverage -q
	$(VENV)/bin/python tools/coverage/report.py build/coverage/project --fail-under 95

clean:
	rm -rf build reports .brownie-home .solcx $(VENV) node_modules .pytest_cache .hypothesis
