# Ideas: the two commands (`make run`, `make test`) and helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= $(or $(IDEAS_PORT),5000)
export FLASK_APP := wsgi.py

.PHONY: help install run db-upgrade seed test test-sqlite test-postgresql lint db-check i18n lock clean bench bench-smoke

help:
	@echo "make run    install, migrate, seed demo data, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   install and run lint, schema drift check and the suite on SQLite and PostgreSQL"

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

# Compiled catalogs are build products (.gitignore'd): made from the .po files on install.
CATALOGS := $(wildcard ideas/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ --statistics

install: $(STAMP) $(COMPILED)

db-upgrade: install
	$(BIN)/flask db upgrade

# The demo has 50 members, so `make run` owes a response after 10 up votes, not 50.
DEMO_THRESHOLD := $(or $(RESPONSE_THRESHOLD_VOTES),10)
run seed: export RESPONSE_THRESHOLD_VOTES := $(DEMO_THRESHOLD)

seed: install
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask search rebuild --if-missing

run: db-upgrade seed
	@echo "Ideas is at http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	@# The search queue's drain runs beside the web server, after its requests (nice), and
	@# stops with it.
	nice -n 10 $(BIN)/flask search sync --every 5 & sync=$$!; trap 'kill $$sync 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - wsgi:app

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Upgrade a throw-away SQLite database from empty and compare it with the models.
db-check: install
	@tmp=$$(mktemp -d) && IDEAS_INSTANCE_PATH=$$tmp DATABASE_URL=sqlite:///$$tmp/check.db \
	  sh -c '$(BIN)/flask db upgrade >/dev/null 2>&1 && $(BIN)/flask db check 2>&1 | tail -1'; \
	  status=$$?; rm -rf $$tmp; exit $$status

test-sqlite: install
	IDEAS_TEST_DB=sqlite $(BIN)/python -m pytest -n 2 -q

# Skipped with a message when no PostgreSQL answers, unless CI is set (then it fails).
test-postgresql: install
	IDEAS_TEST_DB=postgresql $(BIN)/python -m pytest -n 2 -q

# The HTTP benchmark harness on a tiny data set: proves it runs, asserts nothing about speed.
bench-smoke: install
	$(BIN)/python bench/run.py --smoke

test: lint db-check test-sqlite test-postgresql bench-smoke

# The full benchmark (long: run by hand): data sets of 10,000 and 100,000 ideas on SQLite
# and PostgreSQL, made once into $(BENCH_DIR) and reused, then the table in
# docs/performance.md. BENCH_SIZES=10000 for a shorter run.
BENCH_DIR ?= /tmp/ideas-bench
BENCH_SIZES ?= 10000 100000
BENCH_PG ?= postgresql+psycopg://postgres@127.0.0.1:5432
bench: install
	@mkdir -p $(BENCH_DIR)
	@for n in $(BENCH_SIZES); do \
	  for db in sqlite postgresql; do \
	    if [ $$db = sqlite ]; then url=sqlite:///$(BENCH_DIR)/s$$n.db; else url=$(BENCH_PG)/ideas_bench_$$n; fi; \
	    [ -f $(BENCH_DIR)/made-$$db-$$n ] || { $(BIN)/python bench/generate.py --database-url $$url \
	      --search-dir $(BENCH_DIR)/index-$$db-$$n --ideas $$n --fresh --check && touch $(BENCH_DIR)/made-$$db-$$n; } || exit 1; \
	    $(BIN)/python bench/run.py --database-url $$url --search-dir $(BENCH_DIR)/index-$$db-$$n \
	      --label $$db-$$n || exit 1; \
	  done; \
	done
	$(BIN)/python bench/run.py --markdown-only

# Extract every wrapped string into the template catalog, and update the catalogs that exist.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* .venv' -o ideas/translations/messages.pot .
	@if ls ideas/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel update -i ideas/translations/messages.pot -d ideas/translations; fi

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^ideas' \
	  | sed '1i # Pinned versions of every dependency, tested together. Regenerate with `make lock`.' \
	  > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
