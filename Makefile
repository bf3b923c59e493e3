# csbot: `make run` to use it, `make test` to test it. `make help` lists the rest.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
ifdef SHOP  # make run SHOP=trailhead (a pack under shops/) or SHOP=path/to/pack
export CSBOT_SHOP := $(SHOP)
endif

.PHONY: help venv run train test test-fast lint validate browser nlu-compare eval-journeys bench bench-load clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

venv: ## create/update the virtualenv ($(VENV)) from requirements.lock
	@scripts/setup_venv.sh $(VENV)

run: venv ## set up, train if stale, start Rasa + actions + web app, print the URLs
	$(VENV)/bin/csbot run

train: venv ## train the Rasa model if config/domain/data changed
	$(VENV)/bin/csbot train

test: venv browser ## set up, lint, and run the whole test suite
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

test-fast: venv ## only the fast unit tests (no training, servers or browser)
	$(PY) -m pytest -m "not slow"

lint: venv ## ruff
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

validate: venv ## rasa data validate
	$(PY) -m rasa data validate --data data/nlu data/stories

browser: ## install Debian's chromium for the browser tests if missing
	@scripts/install_chromium.sh

nlu-compare: venv ## cross-validate intent heads, then whole NLU pipelines (slow)
	$(PY) -m benchmarks.intent_heads
	$(PY) -m benchmarks.nlu_pipelines

eval-journeys: venv ## play the customer journeys in evaluation/ against a fresh stack (slow)
	@mkdir -p var
	$(PY) -m evaluation --out var/journeys.json

bench: venv ## FAQ retrieval quality, latency and 100k/1M vector scale (slow)
	$(PY) -m benchmarks

bench-load: venv ## csbot vs a plain `rasa init` bot under load: latency, messages/s, log (slow)
	$(PY) -m benchmarks.load $(BENCH_ARGS)

clean: ## remove trained models and the local database (keeps the venv)
	rm -rf models .rasa var results
