"""Provisioning: idempotent, a dry run changes nothing, the label is found again."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from integrations.hubspot.fields import ACCOUNT_ID, GROUP_NAME, PROPERTIES, REFERENCE_LABEL
from integrations.hubspot.models import PortalState
from integrations.hubspot.sandbox import SandboxServer

pytestmark = pytest.mark.django_db


def test_dry_run_says_what_it_would_create_and_writes_nothing(
    hubspot: SandboxServer, capsys: Any
) -> None:
    call_command("hubspot_setup", "--dry-run")
    out = capsys.readouterr().out
    assert "would create" in out and "contacts.champions_tier" in out
    assert hubspot.write_calls() == []
    assert not PortalState.objects.exists()


def test_setup_creates_group_properties_and_label_then_finds_them(
    hubspot: SandboxServer, capsys: Any
) -> None:
    call_command("hubspot_setup")
    state = hubspot.state
    ours = {(t, p["name"]) for t, props in state["properties"].items() for p in props}
    assert ours == {(p.object_type, p.name) for p in PROPERTIES}
    unique = [p for p in state["properties"]["companies"] if p["name"] == ACCOUNT_ID]
    assert unique[0]["hasUniqueValue"] is True
    assert all(
        GROUP_NAME in {g["name"] for g in groups} for groups in state["propertyGroups"].values()
    )
    label = PortalState.objects.get().reference_label_type_id
    assert any(
        lab["label"] == REFERENCE_LABEL and lab["typeId"] == label
        for lab in state["associationLabels"]
    )
    hubspot._log.clear()
    capsys.readouterr()
    call_command("hubspot_setup")
    assert hubspot.write_calls() == []
    assert "0 changed" in capsys.readouterr().out
    assert PortalState.objects.get().reference_label_type_id == label


def test_setup_adds_options_missing_from_an_existing_enumeration(hubspot: SandboxServer) -> None:
    call_command("hubspot_setup")
    prop = hubspot.store.properties["contacts"]["champions_status"]
    prop.options = [o for o in prop.options if o["value"] != "alumni"]
    hubspot._log.clear()
    call_command("hubspot_setup")
    (patch,) = hubspot.write_calls()
    assert patch["method"] == "PATCH" and patch["path"].endswith("/champions_status")
    assert "alumni" in {
        o["value"] for o in hubspot.store.properties["contacts"]["champions_status"].options
    }
