# Two commands do everything on a fresh machine:
#   make run    the all-in-one demo (sandbox portal + app) or, with a portal configured, the web app
#   make test   the whole test suite (installs what it needs first)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test typecheck bench browser clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) app.py

browser:
	@scripts/ensure-chromium

test: $(STAMP) browser
	$(PY) -m mypy
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) instance .mypy_cache
