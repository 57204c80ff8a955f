# Set-up is part of every target: a fresh clone needs only Python 3.11+ and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

# Browser libraries (bpmn-js for the modeler) come from npm at the versions the lock file pins.
ASSETS := api/static/node_modules/.installed

.PHONY: run test lint bench bench-compare catalogs lock

# Every dependency, direct or not, is pinned by constraints.txt (make, CI and the production install use it), so
# a new release of anything changes nothing until `make lock` is run and its diff reviewed (CONTRIBUTING.md).
$(BIN)/.installed: setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

# Re-solve every dependency at its newest release the ranges in setup.cfg allow, in a throw-away environment.
lock:
	rm -rf build/lock && $(PYTHON) -m venv build/lock
	build/lock/bin/python -m pip install --quiet --upgrade pip
	build/lock/bin/python -m pip install --quiet '.[test,bench]'
	{ echo "# Pinned versions of every dependency: written by \`make lock\`, never by hand (CONTRIBUTING.md)."; \
	  build/lock/bin/python -m pip freeze --exclude one-stop-engine; } > constraints.txt
	rm -rf build/lock

# The modeler's sources (api/static/src/) are bundled by esbuild into api/static/build/, never committed.
$(ASSETS): api/static/package.json api/static/package-lock.json $(wildcard api/static/src/*)
	npm ci --prefix api/static --no-audit --no-fund --loglevel=error
	npm run --prefix api/static --silent build
	touch $@

# The pages' words (gettext, Flask-Babel): api/translations/{vi,en}/LC_MESSAGES/messages.po, written by hand and
# kept in step with the sources by `make catalogs`; the compiled .mo files are built here, never committed.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard api/translations/*/LC_MESSAGES/messages.po))
BABEL_KEYWORDS := -k lazy_gettext -k lazy_pgettext:1c,2

$(CATALOGS): %.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After adding, changing or removing a word in the sources: extract them all (babel.cfg), add the new ones to
# both catalogues with an empty translation and drop the ones no longer used; then translate the new entries
# in both .po files (tests/unit/test_catalogs.py fails while one is missing, empty or fuzzy).
catalogs: $(BIN)/.installed
	$(BIN)/pybabel --quiet extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs='.* _* node_modules' --add-location=file --sort-output --no-wrap \
		--project=one-stop-engine -o $(VENV)/messages.pot .
	$(BIN)/pybabel --quiet update -i $(VENV)/messages.pot -d api/translations --no-fuzzy-matching --no-wrap \
		--ignore-obsolete --ignore-pot-creation-date
	$(MAKE) --no-print-directory $(CATALOGS)

# The background worker (timers, near-due and overdue marks, supplementation expiry) runs alongside
# the server and stops with it.
# On a new database, `simulate` first fills the last five working days of Huế's centres with dossiers
# driven through the services (about 40 s), so the inboxes and the dashboard have lifelike data.
run: $(BIN)/.installed $(ASSETS) $(CATALOGS)
	$(BIN)/flask --app api setup-demo
	$(BIN)/flask --app api simulate --if-empty
	$(BIN)/flask --app api worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/flask --app api run --host $(HOST) --port $(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy --strict engine
	$(BIN)/mypy api
	$(BIN)/lint-imports

test: lint $(ASSETS) $(CATALOGS)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The throughput benchmark (docs/BENCHMARKS.md): PostgreSQL at ONESTOP_BENCH_POSTGRES_URL (default the local
# server), about 15 minutes; BENCH_ARGS=--quick for about 3. Prints one table, then draws the plots.
$(VENV)/.bench-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.throughput $(BENCH_ARGS)
	$(BIN)/python -m bench.plot

# The minimal instance side by side with a commit (issue 27, docs/BENCHMARKS.md): that commit in a worktree under
# build/bench/ and this tree, alternately, at 2 and 4 workers; about 6 minutes. COMPARE_ARGS e.g. --rounds 3.
BENCH_BASELINE := 8e58b78
BEFORE ?= $(BENCH_BASELINE)
bench-compare: $(VENV)/.bench-installed
	$(BIN)/python -m bench.compare --against $(BEFORE) $(COMPARE_ARGS)
