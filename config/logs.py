"""Structured logs (django-structlog): one event per line, each with the request id, user id
and client address of the request it belongs to (RELIABILITY.md item 27). The request side
is `config.middleware.RequestLogMiddleware`.

- `formatter(json=...)`: JSON lines in production, coloured readable lines in development; the
  project's own `logging` calls and Django's go through the same processors.
- `redact`: the last line of defence before a line is written: emails masked, bearer and API
  tokens, passwords and secrets replaced. Log calls must not pass them in the first place.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import MutableMapping
from typing import Any

import structlog
from django.conf import settings

SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authorization|cookie|signature|key", re.I)
EMAIL = re.compile(r"([\w.+-]+)@([\w-]+(\.[\w-]+)+)")
BEARER = re.compile(r"(?i)\b(bearer\s+|chp_)[\w.~+/=-]+")
# Path segments that are credentials: the join link's token, allauth's reset and code keys.
SECRET_PATH = re.compile(r"(/(join|key|confirm-email|code)/)[^/?]+")


def scrub(text: str) -> str:
    text = EMAIL.sub(r"***@\2", text)
    text = SECRET_PATH.sub(r"\1[redacted]", text)
    return BEARER.sub(r"\1[redacted]", text)


def scrub_path(path: str) -> str:
    """A request path as logged: no query string, no credential in it."""
    return SECRET_PATH.sub(r"\1[redacted]", path.split("?", 1)[0])


def pseudonym(value: str) -> str:
    """The same short name for the same value (an email, say), that does not reveal it: lines
    about one account can be found together without the account in the logs."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256)
    return digest.hexdigest()[:12]


def redact(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in event_dict.items():
        if key != "event" and SECRET_KEYS.search(key) and not key.endswith("_id"):
            event_dict[key] = "[redacted]"
        elif not isinstance(value, int | float | bool | None):
            # Strings, and objects such as the request Django's own loggers attach, as text.
            event_dict[key] = scrub(str(value))
    return event_dict


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(*, json: bool) -> structlog.stdlib.ProcessorFormatter:
    renderer: Any = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED_PROCESSORS, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
