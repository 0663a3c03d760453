"""A small client over hubspot-api-client 12: built once per process and thread, every call
timed out, throttled and translated into the port's errors.

FACTS.md, "The client": each `client.crm.contacts.batch_api` access builds a new ApiClient and
connection pool, so the API objects are built once and kept (per process, so a Celery worker
builds its own after the fork; per thread, because the generated ApiClient keeps per-call
state). There is no client-wide timeout (hubspot-api-python issue 331): `_request_timeout`
goes on every call. urllib3 retries only the connection here; everything else is the
throttle's and the sync's job, and when urllib3 gives up it raises `MaxRetryError`, not
`ApiException` (issue 117).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hubspot
import urllib3
from hubspot.crm.associations.v4 import exceptions as associations_errors
from hubspot.crm.associations.v4.schema import exceptions as labels_errors
from hubspot.crm.companies import exceptions as companies_errors
from hubspot.crm.contacts import exceptions as contacts_errors
from hubspot.crm.deals import exceptions as deals_errors
from hubspot.crm.properties import exceptions as properties_errors
from urllib3.util.retry import Retry

from integrations.crm.ports import (
    CrmAuthError,
    CrmError,
    CrmRateLimited,
    CrmRejected,
    CrmUnavailable,
)
from integrations.hubspot.throttle import WINDOW_SECONDS, Throttle

logger = logging.getLogger(__name__)

# Each generated package has its own ApiException class (FACTS.md, "Errors").
API_ERRORS: tuple[type[Exception], ...] = (
    contacts_errors.ApiException,
    companies_errors.ApiException,
    deals_errors.ApiException,
    properties_errors.ApiException,
    associations_errors.ApiException,
    labels_errors.ApiException,
)


@dataclass(frozen=True)
class Connection:
    token: str
    host: str
    timeout: tuple[float, float]


class HubSpotClient:
    """The API objects of one process and thread, and `call()` to use them."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # One retry of the connection only: POSTs are not retried by urllib3 anyway, and a read
        # timeout must surface at once so the sync can back off (FACTS.md, "Retries").
        retry = Retry(
            total=1,
            connect=1,
            read=0,
            status=0,
            other=0,
            redirect=0,
            allowed_methods=None,
            raise_on_status=False,
        )
        client = hubspot.Client.create(
            access_token=connection.token, host=connection.host, retry=retry
        )
        crm = client.crm
        self.contacts_basic = crm.contacts.basic_api
        self.contacts_batch = crm.contacts.batch_api
        self.contacts_search = crm.contacts.search_api
        self.companies_basic = crm.companies.basic_api
        self.companies_batch = crm.companies.batch_api
        self.companies_search = crm.companies.search_api
        self.deals_basic = crm.deals.basic_api
        self.deals_batch = crm.deals.batch_api
        self.deals_search = crm.deals.search_api
        self.properties = crm.properties.core_api
        self.groups = crm.properties.groups_api
        self.associations = crm.associations.v4.batch_api
        self.labels = crm.associations.v4.schema.definitions_api

    def call(self, throttle: Throttle, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One API call: wait for the shared window, call with timeouts, translate errors."""
        throttle.acquire()
        try:
            return fn(*args, _request_timeout=self.connection.timeout, **kwargs)
        except API_ERRORS as error:
            translated = translate(error)
            if isinstance(translated, CrmRateLimited):
                throttle.pause(translated.wait_seconds)
            raise translated from error
        except urllib3.exceptions.HTTPError as error:
            # MaxRetryError, ReadTimeoutError, ProtocolError, NewConnectionError ...
            raise CrmUnavailable(
                f"HubSpot did not answer: {error.__class__.__name__}: {_reason(error)}"
            ) from error

    def call_json(
        self,
        throttle: Throttle,
        expected: tuple[int, ...],
        fn: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """`call()` for the batch writes, answered with the parsed JSON body.

        The generated models cost ~25 ms per 100 results (a date parse per timestamp), more
        than the call itself; the sync reads only ids and errors, so it takes the body as
        JSON. The status is checked here as strictly as the models would: any 2xx other than
        the expected ones is an error, never a silent None (FACTS.md, "The client").
        """
        response = self.call(throttle, fn, *args, _preload_content=False, **kwargs)
        try:
            status, data = int(response.status), response.data
        finally:
            response.release_conn()
        if status not in expected:
            raise CrmUnavailable(f"HubSpot answered {status}, expected {expected}.")
        try:
            body = json.loads(data) if data else {}
        except ValueError as error:
            raise CrmUnavailable(
                f"HubSpot answered {status} with a body that is not JSON."
            ) from error
        return body if isinstance(body, dict) else {}


def _reason(error: urllib3.exceptions.HTTPError) -> str:
    reason = getattr(error, "reason", None)
    return str(reason or error)[:300]


def error_message(body: Any) -> str:
    """HubSpot's own message (and category) out of an error body."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text[:500] or "no message"
    if not isinstance(parsed, dict):
        return text[:500]
    message = str(parsed.get("message") or text)[:500]
    category = parsed.get("category") or parsed.get("errorType")
    return f"{category}: {message}" if category else message


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        value = {str(k).lower(): v for k, v in dict(headers).items()}.get(name.lower())
    return str(value) if value is not None else None


def rate_limit_wait(headers: Any) -> float:
    """Retry-After if HubSpot sends it (unconfirmed, FACTS.md), else the window's length."""
    retry_after = _header(headers, "Retry-After")
    if retry_after:
        try:
            return max(0.5, float(retry_after))
        except ValueError:
            pass
    interval = _header(headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
    if interval and interval.isdigit():
        return int(interval) / 1000
    return WINDOW_SECONDS


def translate(error: Any) -> CrmError:
    """An ApiException as the port's error, by status.
    https://developers.hubspot.com/docs/api-reference/error-handling"""
    status = int(getattr(error, "status", 0) or 0)
    message = f"HubSpot {status}: {error_message(getattr(error, 'body', ''))}"
    if status == 429:
        return CrmRateLimited(message, rate_limit_wait(getattr(error, "headers", None)))
    if status in (401, 403):
        return CrmAuthError(message, status)
    if status >= 500 or status in (0, 408):
        return CrmUnavailable(message)
    return CrmRejected(message, status)


_local = threading.local()


def client_for(connection: Connection) -> HubSpotClient:
    """This process's and thread's client; a forked worker builds its own on first use."""
    key = (os.getpid(), connection)
    cached = getattr(_local, "client", None)
    if cached is None or cached[0] != key:
        cached = (key, HubSpotClient(connection))
        _local.client = cached
    client: HubSpotClient = cached[1]
    return client
