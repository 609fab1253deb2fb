# Two commands for a newcomer: `make demo` runs Redline, `make test` runs the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
# The test suite talks to the real services on this machine.
TEST_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/redline} \
            CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/15}

.PHONY: demo test lint typecheck pytest bench clean venv

$(PY):
	@python=$$(scripts/find-python) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)
	@$(VENV)/bin/pip install -q --upgrade pip 2>&1 | { grep -v "^WARNING: Location" || true; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	@wheels=$$(scripts/llama-wheel $(VENV)/bin/pip) && \
	  $(VENV)/bin/pip install -q --find-links "$$wheels" -r requirements.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	@wheels=$$(scripts/llama-wheel $(VENV)/bin/pip) && \
	  $(VENV)/bin/pip install -q --find-links "$$wheels" -r requirements-dev.txt 2>&1 | { grep -v "^WARNING: Location" || true; }
	@touch $@ $(RUNTIME_STAMP)

venv: $(DEV_STAMP)

demo: $(RUNTIME_STAMP)
	@scripts/demo

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(DEV_STAMP)
	SECRET_KEY=typecheck $(VENV)/bin/mypy

pytest: $(DEV_STAMP)
	@scripts/ensure-services
	@scripts/ensure-system-packages
	$(TEST_ENV) $(VENV)/bin/pytest -n auto

test: lint typecheck pytest

bench: $(DEV_STAMP)
	@scripts/ensure-services
	$(TEST_ENV) $(PY) bench/import_items.py
	$(TEST_ENV) $(PY) bench/critique_pipeline.py
	$(TEST_ENV) $(PY) bench/labeling_load.py
	$(TEST_ENV) $(PY) bench/export.py
	$(PY) bench/cpu_critic.py

clean:
	rm -rf $(VENV) var test-artifacts .mypy_cache .ruff_cache .pytest_cache
