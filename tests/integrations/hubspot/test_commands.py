"""Management commands: hubspot_sync's summary, hubspot_sandbox in the background."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from integrations.crm.models import OutboxEntry, OutboxStatus
from integrations.hubspot.sandbox import SandboxServer
from tests.factories import ChampionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # worker threads see only committed rows
def test_hubspot_sync_full_prints_a_summary(portal: SandboxServer, capsys: Any) -> None:
    ChampionFactory.create_batch(3)
    call_command("hubspot_sync", "--full", "--workers", "2")
    out = capsys.readouterr().out
    assert "Marked 6 objects." in out
    assert "sent 6, unchanged 0, skipped 0, failed 0" in out and "API calls 2" in out
    assert not OutboxEntry.objects.exclude(status=OutboxStatus.SENT).exists()
    call_command("hubspot_sync", "--full")
    assert "sent 0, unchanged 6" in capsys.readouterr().out


def test_hubspot_sync_without_a_token_says_what_to_set(settings: Any) -> None:
    settings.HUBSPOT_ACCESS_TOKEN = ""
    with pytest.raises(CommandError, match="HUBSPOT_ACCESS_TOKEN"):
        call_command("hubspot_sync")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_hubspot_sandbox_in_the_background_for_make_demo(
    settings: Any, tmp_path: Path, capsys: Any
) -> None:
    settings.BASE_DIR = tmp_path
    port = free_port()
    call_command("hubspot_sandbox", "--background", "--port", str(port), "--rate-limit", "50")
    try:
        recorded = json.loads((tmp_path / "var" / "hubspot-sandbox.json").read_text())
        assert recorded["url"] == f"http://127.0.0.1:{port}"
        env = (tmp_path / "var" / "hubspot-sandbox.env").read_text()
        assert f"HUBSPOT_API_BASE=http://127.0.0.1:{port}" in env
        assert "HUBSPOT_ACCESS_TOKEN=" in env
        with urllib.request.urlopen(f"{recorded['url']}/_sandbox/faults", timeout=5) as answer:  # noqa: S310
            assert json.load(answer)["rate_limit"] == 50
    finally:
        call_command("hubspot_sandbox", "--stop")
    assert "Stopped the sandbox" in capsys.readouterr().out
    assert not (tmp_path / "var" / "hubspot-sandbox.json").exists()
