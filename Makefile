# dlflash — `make help` lists the targets. Everything installs itself from nothing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DECK := build/deep-learning.apkg
# torch is pinned to the CPU build that lies on this machine's disk; installed first so that
# nothing later pulls a multi-GB CUDA build.
TORCH := torch==2.13.0

INSTALLED := $(VENV)/.stamp-install
TEST_INSTALLED := $(VENV)/.stamp-test
NODE_INSTALLED := node_modules/.stamp-install

SOURCES := $(wildcard cards/*.yaml cards/*.json cards/*.lock cards/cheatsheet.md cards/media/*) \
	$(shell find dlflash verify -name '*.py' -o -name '*.css' -o -name '*.mjs' 2>/dev/null) pyproject.toml

.PHONY: help deck test check verify errata lint preview stats bench clean code-lint

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deck: $(DECK) ## Build build/deep-learning.apkg from cards/ (checks and verifies first, in one process)

# one process: the cards are loaded once; unchanged work is read from build/cache
$(DECK): $(SOURCES) $(INSTALLED) $(NODE_INSTALLED)
	$(BIN)/dlflash deck --out $(DECK)

test: $(TEST_INSTALLED) $(NODE_INSTALLED) browser ## Run every check and the whole test suite (real Anki, MathJax, Chromium)
	$(BIN)/ruff check dlflash tests verify bench
	$(BIN)/mypy
	$(BIN)/dlflash check
	$(BIN)/dlflash lint
	$(BIN)/pytest -q tests verify

check: $(INSTALLED) $(NODE_INSTALLED) ## Validate cards, coverage, formulas and math without building
	$(BIN)/dlflash check

verify: $(INSTALLED) ## Check every card formula against its PyTorch reference
	$(BIN)/dlflash verify

errata: $(INSTALLED) ## The notes' full review (build/errata.md) and the patch for their author (build/cheatsheet.patch)
	@mkdir -p build
	$(BIN)/dlflash errata > build/errata.md
	$(BIN)/dlflash errata --patch > build/cheatsheet.patch
	@echo "wrote build/errata.md and build/cheatsheet.patch"

lint: $(INSTALLED) ## Card-quality rules (SuperMemo, Matuschak, Anki manual)
	$(BIN)/dlflash lint

preview: $(TEST_INSTALLED) $(NODE_INSTALLED) browser ## build/preview.html (every card, day and night) and build/contact-sheet.png (Anki's reviewer)
	$(BIN)/dlflash preview --reviewer build

stats: $(INSTALLED) ## Deck statistics and the FSRS review-load forecast (plot in build/forecast.png)
	$(BIN)/dlflash stats --forecast --plot

bench: $(INSTALLED) $(NODE_INSTALLED) ## Time and memory of each build stage at 1k/10k/100k cards vs raw genanki (build/bench.md)
	$(BIN)/python bench/run.py

code-lint: $(TEST_INSTALLED) ## ruff and mypy over the code (also part of `make test`)
	$(BIN)/ruff check dlflash tests verify bench
	$(BIN)/mypy

clean: ## Remove build outputs (keeps the venv and node modules)
	rm -rf build

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/pip install -q -e '.[test]'
	# the reviewer's page assets only (see [project.optional-dependencies] reviewer-assets): no Qt
	$(BIN)/pip install -q --no-deps "$$(grep -o '"aqt==[^"]*"' pyproject.toml | tr -d '"')"
	touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

.PHONY: browser
browser: ## Install Debian's chromium for the preview test where apt can (else that test is skipped)
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| echo "chromium could not be installed: the browser test will be skipped"; \
		else echo "no root/apt: chromium not installed, the browser test will be skipped"; fi; }
