"""Which CRM the service talks to. An adapter registers a factory in its `AppConfig.ready()`.

The factory returns None while the CRM is not configured (no token): the outbox then fills
up and waits, and the admin page says "not connected".
"""

from __future__ import annotations

from collections.abc import Callable

from integrations.crm.ports import CrmGateway

GatewayFactory = Callable[[], CrmGateway | None]

_factory: GatewayFactory | None = None


def register_gateway(factory: GatewayFactory) -> None:
    global _factory
    _factory = factory


def crm_gateway() -> CrmGateway | None:
    """The configured CRM, or None when there is none (not installed or not configured)."""
    return _factory() if _factory is not None else None
