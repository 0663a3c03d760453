# The two commands of the README are `make demo` and `make test`; the rest serve them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install demo test lint lock migrations-check deploy-check serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	touch $@

demo: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py hubspot_sandbox --background
	@set -a && . var/hubspot-sandbox.env && set +a && export DEBUG=true && \
	  $(BIN)/python manage.py hubspot_setup > /dev/null && \
	  { $(BIN)/python manage.py hubspot_sync --full --resend > var/hubspot-sync.log 2>&1 & } && \
	  echo "" && \
	  echo "  Champions is running at http://$(HOST):$(PORT)/admin/ (portal: /portal/, API docs: /api/v1/docs/)" && \
	  echo "  Logins (password: demo): admin@example.com (program manager)," && \
	  echo "  moderator@example.com, sales@example.com, champion@example.com" && \
	  echo "  The HubSpot sandbox answers at $$HUBSPOT_API_BASE (empty at each start); a full sync" && \
	  echo "  runs in the background (var/hubspot-sync.log), later changes sync as they are made." && \
	  echo "" && \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy .

migrations-check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# Production-like settings must pass Django's deployment checklist (RELIABILITY.md item 1).
deploy-check: install
	DEBUG=false SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  ALLOWED_HOSTS=champions.example.com SITE_URL=https://champions.example.com \
	  REDIS_URL=redis://redis.example.com:6379/0 \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

# A production-like run on this machine: the Procfile's gunicorn, Celery worker and beat under
# honcho, DEBUG off, against PostgreSQL and Redis (DATABASE_URL and REDIS_URL, else the local
# defaults below); Ctrl-C stops all three. The secret key is made once, in var/serve.env.
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/champions
SERVE_REDIS_URL ?= redis://127.0.0.1:6379/0

serve: install
	@mkdir -p var && test -f var/serve.env || \
	  printf 'SECRET_KEY=%s\n' "$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" > var/serve.env
	@set -a && . var/serve.env && set +a && \
	  export DEBUG=false DATABASE_URL="$${DATABASE_URL:-$(SERVE_DATABASE_URL)}" \
	    REDIS_URL="$${REDIS_URL:-$(SERVE_REDIS_URL)}" ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost}" \
	    SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" SECURE_SSL_REDIRECT=false HOST=$(HOST) \
	    PATH="$(CURDIR)/$(BIN):$$PATH" && \
	  python manage.py migrate --noinput && python manage.py collectstatic --noinput -v 0 && \
	  echo "  Champions (production settings) at http://$(HOST):$(PORT)/admin/, health: /healthz" && \
	  exec honcho start -f Procfile -p $(PORT)

lock:
	$(BIN)/pip-compile --quiet --extra dev --strip-extras -o requirements/lock.txt pyproject.toml
