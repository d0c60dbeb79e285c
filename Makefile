# smartlev — one command per job.  Every target creates .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NBVAL  := --nbval-sanitize-with tests/sanitize.cfg --nbval-cell-timeout=120

.PHONY: venv lab test test-fast test-browser lint bench notebooks exercises browser-deps sample-data clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,instructor]"
	touch $(STAMP)

## make lab: open the course in JupyterLab (localhost only, token auth kept on)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root ) course/00_welcome.ipynb

## Debian's chromium for the browser tests (skipped with a reason when it cannot be installed)
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "could not install chromium: browser tests will be skipped"; \
		else echo "chromium not found and not root: browser tests will be skipped"; fi; }

## make test: lint, engine, doctests, notebooks (nbval), exercises, grading, browser
test: $(STAMP) browser-deps
	$(PY) -m ruff check smartlev tests benchmarks
	$(PY) -m pytest -q -p no:cacheprovider tests smartlev
	$(PY) -m pytest -q -p no:cacheprovider --nbval $(NBVAL) course solutions
	$(PY) -m pytest -q -p no:cacheprovider --nbval-lax $(NBVAL) exercises

## quicker loop while developing: everything but the browser and the notebooks
test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests smartlev --ignore=tests/browser

test-browser: $(STAMP) browser-deps
	$(PY) -m pytest -q -p no:cacheprovider tests/browser

lint: $(STAMP)
	$(PY) -m ruff check smartlev tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/run.py

## re-execute every lesson and solution notebook in place
notebooks: $(STAMP)
	$(PY) -m smartlev.teach.notebooks course solutions

## regenerate exercises/ from solutions/
exercises: $(STAMP)
	$(PY) -m smartlev.teach.make_exercises solutions exercises

## regenerate the synthetic sample price file used by lesson 04
sample-data: $(STAMP)
	$(PY) -m smartlev.data course/data/sample_synthetic_btcusdt_1d.csv

clean:
	rm -rf $(VENV) build .pytest_cache
