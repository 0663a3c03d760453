"""A HubSpot API sandbox: a real HTTP server on 127.0.0.1 that speaks the CRM subset we use.

Usage in tests::

    with SandboxServer(token="t") as server:
        client = hubspot.Client.create(access_token="t", host=server.url)

or from a shell: ``python -m integrations.hubspot.sandbox --port 8765``.
"""

from __future__ import annotations

from .errors import ApiError
from .faults import ScriptedResponse
from .server import DEFAULT_TOKEN, SandboxServer

__all__ = ["DEFAULT_TOKEN", "ApiError", "SandboxServer", "ScriptedResponse"]
