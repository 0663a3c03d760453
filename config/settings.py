"""Settings, read from the environment (see the README's configuration table).

Unset variables give the embedded default a newcomer can run with one command: SQLite under
`var/`, tasks run in process, e-mail printed to the console. Production sets `DATABASE_URL`,
`CELERY_BROKER_URL`, `SECRET_KEY` and friends and leaves `DEBUG` off.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

from config.logs import configure_structlog

# Lets typed generics such as `admin.ModelAdmin[Champion]` work at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A real secret is required whenever DEBUG is off; the fallback only exists for local runs.
_INSECURE_KEY = "django-insecure-local-only-never-in-production-0123456789abcdefghijklmnop"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY if DEBUG else "")
if not SECRET_KEY:
    # An exit, not ImproperlyConfigured: manage.py swallows that one while it loads the settings
    # and fails later on something unrelated (an unknown command, AppRegistryNotReady).
    sys.exit("SECRET_KEY must be set (or DEBUG=true for local use).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "csp",
    # Before allauth, so the portal's look of allauth's pages (champions/templates/allauth/) wins.
    "champions",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "programs.playbooks",
    "programs.events",
    "programs.clinics",
    "programs.library",
    "programs.recognition",
    "programs.references",
    "programs.governance",
    "programs.metrics",
    "integrations.crm",
    "integrations.hubspot",
    "auditlog",
    "django_structlog",
    # Last: its erasure hook runs after every other app's (docs/security.md, audit trail).
    "config.audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their long cache, every page gets no-store.
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.audit.trail.AuditMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.RequestLogMiddleware",
    "champions.middleware.AdminRequiresMfaMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(exist_ok=True)  # the embedded SQLite database lives here
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'champions.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compilation costs seconds on the short analytical queries of search and matching.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

# Every metric at once on two PostgreSQL connections (programs/metrics/split.py).
METRICS_TWO_CONNECTIONS = env.bool("METRICS_TWO_CONNECTIONS", default=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "champions.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: e-mail is the login, there are no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# The portal is invitation-only: the adapter closes allauth's signup, the join link opens the door.
ACCOUNT_ADAPTER = "champions.adapters.AccountAdapter"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Password reset and login by code answer the same for known and unknown emails, and no email
# goes to an address that has no account (there is no signup to send strangers to).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Champions] "
# ACCOUNT_RATE_LIMITS stays unset: allauth's defaults (10 failed logins a minute per IP, 5 per
# email in 5 minutes, ...) kept in the cache below, which is Redis (shared) in production. The
# adapter answers a login refused by them with 429.
# The client IP for rate limits comes only from a configured trusted proxy (never a raw header).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("ALLAUTH_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env.str("ALLAUTH_TRUSTED_CLIENT_IP_HEADER", default="") or None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Champions"
USERSESSIONS_TRACK_ACTIVITY = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
# Staff need MFA (TOTP) set up to reach the admin (champions/middleware.py). Off by default in
# DEBUG so the local demo's admin works without an authenticator app.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=not DEBUG)

# Member portal (docs/portal.md).
# Who hears about a champion's request for a buddy; empty: every active program manager.
PORTAL_PROGRAM_TEAM_EMAILS = env.list("PORTAL_PROGRAM_TEAM_EMAILS", default=[])
PORTAL_PEER_INVITATIONS_PER_DAY = env.int("PORTAL_PEER_INVITATIONS_PER_DAY", default=20)

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Champions <champions@example.com>")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Scale-out (docs/operations.md): a web process keeps nothing of its own, so any number of them
# on any hosts can serve any request. Sessions live in the database (read through Redis when
# there is one); allauth's login rate limits and the API throttles count in the cache above,
# which is Redis, shared by every process, whenever REDIS_URL is set; uploaded files go to an
# S3-compatible bucket when MEDIA_BUCKET is set (credentials: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY in the environment, or the host's role), private, with links that are
# signed and expire.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
# Rotating SECRET_KEY (docs/operations.md): the previous key stays in SECRET_KEY_FALLBACKS
# until the sessions and links it signed have expired, so nobody is signed out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
MEDIA_BUCKET = env.str("MEDIA_BUCKET", default="")
if MEDIA_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": env.str("MEDIA_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_REGION", default="") or None,
            "location": env.str("MEDIA_PREFIX", default="media"),
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("MEDIA_LINK_SECONDS", default=300),
            "file_overwrite": False,
        },
    }

# Celery. Without a broker, tasks run in process (the embedded default).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "champions-mark-dormant": {
        "task": "champions.tasks.mark_dormant_champions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Hourly, so each user's digest goes out soon after DIGEST_HOUR in their time zone.
    "champions-send-digests": {
        "task": "champions.tasks.send_due_digests",
        "schedule": crontab(minute=45),
    },
    "events-send-reminders": {
        "task": "programs.events.tasks.send_event_reminders",
        "schedule": crontab(minute=5),
    },
    "playbooks-run-automation": {
        "task": "programs.playbooks.tasks.run_playbook_automation",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "references-expire-stories": {
        "task": "programs.references.tasks.expire_due_stories",
        "schedule": crontab(hour=2, minute=30),
    },
    # The activity log's contributions counted by hour (heatmap, moderation effort), just
    # after each hour ends.
    "metrics-roll-up-hour-counts": {
        "task": "programs.metrics.tasks.roll_up_hour_counts",
        "schedule": crontab(minute=1),
    },
    # Every metric and dashboard chart for the windows ending at last midnight (UTC).
    "metrics-daily-snapshots": {
        "task": "programs.metrics.tasks.take_daily_snapshots",
        "schedule": crontab(hour=4, minute=10),
    },
}

# HubSpot (docs/hubspot.md). Without a token the CRM sync is off and the outbox only fills up.
HUBSPOT_ACCESS_TOKEN = env.str("HUBSPOT_ACCESS_TOKEN", default="")
HUBSPOT_API_BASE = env.str("HUBSPOT_API_BASE", default="https://api.hubapi.com")
HUBSPOT_APP_SECRET = env.str("HUBSPOT_APP_SECRET", default="")  # signs webhooks (v3)
HUBSPOT_RATE_LIMIT = env.int("HUBSPOT_RATE_LIMIT", default=100)  # calls per 10 s, all workers
# (connect, read) seconds for every call, e.g. HUBSPOT_TIMEOUT=5,30.
HUBSPOT_TIMEOUT = tuple(env.list("HUBSPOT_TIMEOUT", cast=float, default=[5.0, 30.0]))
# Erasure blanks our properties on the contact instead of HubSpot's GDPR delete.
HUBSPOT_KEEP_CONTACT_ON_ERASURE = env.bool("HUBSPOT_KEEP_CONTACT_ON_ERASURE", default=False)
CELERY_BEAT_SCHEDULE.update(
    {
        "crm-sync-outbox": {"task": "integrations.crm.tasks.sync_outbox", "schedule": 60.0},
        "crm-refresh-all": {
            "task": "integrations.crm.tasks.refresh_all",
            "schedule": crontab(hour=2, minute=40),
        },
        "hubspot-process-webhooks": {
            "task": "integrations.hubspot.tasks.process_webhook_events",
            "schedule": 60.0,
        },
    }
)

# Domain settings.
CHAMPION_DORMANT_AFTER_DAYS = env.int("CHAMPION_DORMANT_AFTER_DAYS", default=60)
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# The local hour (in each champion's time zone) a digest period starts (docs/portal.md).
DIGEST_HOUR = env.int("DIGEST_HOUR", default=8)

# Governance (docs/governance.md): report response time, the outside escalation contact.
GOVERNANCE_REPORT_SLA_HOURS = env.int("GOVERNANCE_REPORT_SLA_HOURS", default=48)
GOVERNANCE_APPEAL_DAYS = env.int("GOVERNANCE_APPEAL_DAYS", default=14)
GOVERNANCE_ESCALATION_CONTACT_NAME = env.str("GOVERNANCE_ESCALATION_CONTACT_NAME", default="")
GOVERNANCE_ESCALATION_CONTACT_EMAIL = env.str("GOVERNANCE_ESCALATION_CONTACT_EMAIL", default="")
GOVERNANCE_HEALTH_CHECK_MONTHS = env.int("GOVERNANCE_HEALTH_CHECK_MONTHS", default=3)
CELERY_BEAT_SCHEDULE.update(
    {
        "governance-hand-over-absent": {
            "task": "programs.governance.tasks.hand_over_absent_moderators_cases",
            "schedule": crontab(minute=20),
        },
        "governance-sla-alerts": {
            "task": "programs.governance.tasks.alert_reports_over_sla",
            "schedule": crontab(minute=35),
        },
        "governance-health-checks": {
            "task": "programs.governance.tasks.run_health_check_rounds",
            "schedule": crontab(hour=6, minute=10),
        },
    }
)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.AutoSchema",
    # Bearer tokens first, so a request without credentials gets 401 with WWW-Authenticate;
    # the browser's session (with CSRF) second. Tokens are never read from the query string.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.IsAuthenticatedPerson"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["config.api.filters.StrictFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.AnonThrottle",
        "config.api.throttling.UserThrottle",
        "config.api.throttling.ScopeThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": "60/min",
        "user": "1200/min",
        "references": "600/min",
        "match": "120/min",
        "requests": "120/min",
        "ingest": "120/min",
        "tokens": "30/min",
        "metrics": "60/min",
        # "name=rate,..." overrides any of them, e.g. API_THROTTLE_RATES="user=6000/min".
        **env.dict("API_THROTTLE_RATES", default={}),
    },
    # Client addresses for anonymous throttling: REMOTE_ADDR unless this many trusted proxies
    # add X-Forwarded-For (never the raw header, which a client can forge).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "EXCEPTION_HANDLER": "config.api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Champions API",
    "DESCRIPTION": (
        "Reference search and matching, reference requests and stories for sales; activity "
        "and adoption ingestion for the company's systems. Guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SORT_OPERATION_PARAMETERS": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.add_error_responses",
    ],
}
# API limits: personal tokens live at most this long; a request body at most this many bytes.
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_BULK_MAX_ITEMS = 1000
# Interactive API docs and the schema are open only in DEBUG; otherwise they need a login.
API_DOCS_PUBLIC = DEBUG

# Security. Production (DEBUG off) is HTTPS-only; see docs/operations.md.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp 4): scripts only from our own static files, nothing
# framed, no plugins. Inline styles stay allowed: admin pages and the API docs carry style
# attributes and <style> blocks, and a style cannot run code. See docs/security.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load-balancer probes speak plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env.bool("USE_X_FORWARDED_PROTO", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Audit trail (django-auditlog): who changed what, when, from where, for the personal data, the
# consents, the stories and requests and the moderation decisions, whenever a person (not the
# system) made the change. Emails and free texts (quotes, notes, reasons) are recorded as
# changed but masked; a person's erasure removes their rows (config/audit/). Program managers
# read it in the admin.
_TEXTS = [  # every free-text field of the models below; a model masks those it has
    *["note", "notes", "private_notes", "reason", "message", "text", "description", "feedback"],
    *["closing_note", "detail", "skip_reason", "lifted_reason", "outcome_note", "decline_note"],
    *["member_message", "challenge", "solution", "results"],
]
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "champions.user",
        "include_fields": ["email", "full_name", "is_active", "is_staff", "is_superuser"],
        "mask_fields": ["email"],
        "m2m_fields": ["groups"],
    },
    {
        "model": "champions.champion",
        "exclude_fields": ["created_at", "updated_at", "state_changed_at"],
        "mask_fields": [*_TEXTS, "email"],
        "m2m_fields": ["product_areas"],
    },
    {"model": "champions.account", "exclude_fields": ["created_at", "updated_at"]},
    {
        "model": "champions.invitation",
        "exclude_fields": ["token_hash"],
        "mask_fields": [*_TEXTS, "email"],
    },
    {"model": "champions.consentrecord", "mask_fields": _TEXTS},
    {"model": "champions.apitoken", "exclude_fields": ["token_hash", "last_used_at"]},
    {"model": "references.referencestory", "mask_fields": _TEXTS},
    {"model": "references.quote", "mask_fields": _TEXTS},
    {"model": "references.storysignoff"},
    {"model": "references.referencerequest", "mask_fields": _TEXTS},
    {"model": "references.referenceoffer", "mask_fields": _TEXTS},
    {"model": "governance.report", "mask_fields": _TEXTS},
    {"model": "governance.moderationcase", "mask_fields": _TEXTS},
    {"model": "governance.moderationaction", "mask_fields": _TEXTS},
    {"model": "governance.hiddencontent", "mask_fields": _TEXTS},
    {"model": "governance.consequence", "mask_fields": _TEXTS},
    {"model": "governance.appeal", "mask_fields": _TEXTS},
)
AUDITLOG_MASK_CALLABLE = "config.audit.trail.mask"
AUDITLOG_DISABLE_ON_RAW_SAVE = True  # fixtures and imports of raw rows are not staff changes

# Structured logs (config/logs.py): JSON lines in production, readable lines in development
# (LOG_FORMAT=json|console overrides). Every line of a request carries its request id, user id
# and client address; `X-Request-ID` from the proxy is used when LOG_TRUST_REQUEST_ID is on.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG  # one line per request: its end
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = env.bool("LOG_TRUST_REQUEST_ID", default=False)
configure_structlog()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {"()": "config.logs.formatter", "json": LOG_FORMAT == "json"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
