# `make run` and `make test` are all the set-up there is (see README.md).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
# `make run HOST=0.0.0.0 PORT=8080` serves elsewhere. HOST is taken from the command line
# only: csh and tcsh export HOST as the machine's name, which would open the server to the network.
HOST := 127.0.0.1
PORT ?= 5000
TRANSLATIONS := meeting_app/translations
LOCALES := fr en es ar ru

# Debian libraries WeasyPrint needs, and fonts for Latin, Cyrillic and Arabic names.
# libharfbuzz-subset0 matters for speed: without it font subsetting is ~10x slower.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core
# The browser the Playwright tests drive (/usr/bin/chromium), and poppler's pdftotext and
# pdffonts, which read the documents back as a reader sees them (tests/documents/poppler.py).
TEST_SYSTEM_PACKAGES := $(SYSTEM_PACKAGES) chromium poppler-utils
# What pip needs to build PyICU (the collation of sorted lists), which PyPI has as source only.
BUILD_PACKAGES := libicu-dev pkg-config g++

.PHONY: run worker beat test lint format system-deps test-system-deps translations extract-translations \
        update-translations db-upgrade demo clean bench vendor-axe

run: $(STAMP) system-deps translations db-upgrade demo
	$(FLASK) run --host $(HOST) --port $(PORT)

# Background work (meeting_app/core/tasks.py) on Redis: `make worker` on each server that
# works, `make beat` on one server only (the periodic sweeps and the retention purge).
# In development one process does both: `make worker WORKER_ARGS=-B`.
CELERY := $(BIN)/celery -A wsgi.celery_app
WORKER_ARGS ?=

worker: $(STAMP) system-deps translations db-upgrade
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) for the web servers and the workers; without it the web process runs the tasks itself."; exit 1; }
	$(CELERY) worker --loglevel=INFO $(WORKER_ARGS)

beat: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)."; exit 1; }
	$(CELERY) beat --loglevel=INFO --schedule "$${INSTANCE_PATH:-instance}/celerybeat-schedule"

test: $(STAMP) test-system-deps translations
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(STAMP): pyproject.toml
	@PACKAGES="$(BUILD_PACKAGES)" sh scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

system-deps:
	@PACKAGES="$(SYSTEM_PACKAGES)" sh scripts/system-deps.sh

test-system-deps:
	@PACKAGES="$(TEST_SYSTEM_PACKAGES)" sh scripts/system-deps.sh

db-upgrade: $(STAMP)
	$(FLASK) db upgrade

demo: $(STAMP)
	$(FLASK) demo

# Catalogs: .po files are committed, .mo files are built here.
translations: $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d $(TRANSLATIONS) --statistics 2>&1 | grep -v "^$$" || true
	@for l in $(LOCALES); do test -f $(TRANSLATIONS)/$$l/LC_MESSAGES/messages.mo || { echo "missing catalog for $$l"; exit 1; }; done

extract-translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -o $(TRANSLATIONS)/messages.pot \
	    --no-location --sort-output --omit-header meeting_app templates

update-translations: extract-translations
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) \
	    --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date

# axe-core (the accessibility checker of the browser tests) is vendored in
# tests/browser/vendor; this refreshes it from the npm registry.
AXE_VERSION ?= 4.14.1
vendor-axe:
	sh scripts/vendor-axe.sh $(AXE_VERSION)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

bench: $(STAMP)
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/registration.py
	$(BIN)/python bench/registration_mail.py
	$(BIN)/python bench/mail.py
	$(BIN)/python bench/messages.py
	$(BIN)/python bench/forms.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/agenda.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/materials.py
	$(BIN)/python bench/participant_list.py
	$(BIN)/python bench/badges.py
	$(BIN)/python bench/communiques.py
	$(BIN)/python bench/desk.py
	$(BIN)/python bench/morning.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/exports.py
	$(BIN)/python bench/participant_list_job.py
	$(BIN)/python bench/badge_fonts.py
	$(BIN)/python bench/booklet.py
	$(BIN)/python bench/registration_rate.py
