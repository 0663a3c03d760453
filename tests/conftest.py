"""Suite-wide fixtures. Any real outbound HTTP fails the test (only loopback is allowed)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_connect = socket.socket.connect


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return isinstance(address, (str, bytes))  # unix sockets


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_loopback(address):
        raise RuntimeError(f"A test tried to reach {address!r}: outbound HTTP is not allowed.")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    yield


@pytest.fixture(autouse=True)
def _metrics_second_connection_closed() -> Iterator[None]:
    """The metrics' second connection (programs/metrics/split.py) is kept between
    computations, like a request's; a test closes it, as its database may be flushed or
    dropped next (a connection left open would hold the test database)."""
    yield
    from programs.metrics import split

    split.close_second_connection()


@pytest.fixture
def staff_user(db: None) -> Any:
    from tests.factories import StaffFactory

    return StaffFactory(email="manager@example.com", is_superuser=True)


@pytest.fixture
def admin_client_logged_in(client: Any, staff_user: Any) -> Any:
    client.force_login(staff_user)
    return client
