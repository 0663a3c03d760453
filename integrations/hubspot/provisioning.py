"""Provisioning: the property group, our properties and the "Reference" association label.

Idempotent: what exists is left as it is (an enumeration missing options of ours gets them
added); what is missing is created. https://developers.hubspot.com/docs/guides/api/crm/properties
and https://developers.hubspot.com/docs/guides/api/crm/associations/associations-v4#create-and-manage-association-types
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from integrations.crm.ports import CrmAuthError, CrmRejected, ProvisionStep
from integrations.hubspot import fields
from integrations.hubspot.models import PortalState

if TYPE_CHECKING:
    from integrations.hubspot.gateway import HubSpotGateway


def provision(gateway: HubSpotGateway, *, dry_run: bool = False) -> list[ProvisionStep]:
    steps: list[ProvisionStep] = []
    for object_type in ("contacts", "companies", "deals"):
        steps += _group(gateway, object_type, dry_run)
        steps += _properties(gateway, object_type, dry_run)
    label_steps, label_id = _reference_label(gateway, dry_run)
    steps += label_steps
    if not dry_run:
        PortalState.objects.update_or_create(
            pk=1,
            defaults={
                "reference_label_type_id": label_id,
                "provisioned_at": timezone.now(),
                "provision_report": [vars(s) for s in steps],
            },
        )
        gateway._label = None  # read the new label on next use
    return steps


def _verb(dry_run: bool) -> str:
    return "would create" if dry_run else "created"


def _group(gateway: HubSpotGateway, object_type: str, dry_run: bool) -> list[ProvisionStep]:
    groups = gateway.client.groups
    names = {g.name for g in (gateway._call(groups.get_all, object_type).results or [])}
    what = f"{object_type} group “{fields.GROUP_LABEL}”"
    if fields.GROUP_NAME in names:
        return [ProvisionStep("exists", what)]
    if not dry_run:
        body = {"name": fields.GROUP_NAME, "label": fields.GROUP_LABEL, "displayOrder": -1}
        _create(gateway._call, groups.create, object_type, body)
    return [ProvisionStep(_verb(dry_run), what)]


def _properties(gateway: HubSpotGateway, object_type: str, dry_run: bool) -> list[ProvisionStep]:
    api = gateway.client.properties
    existing = {p.name: p for p in (gateway._call(api.get_all, object_type).results or [])}
    steps = []
    for spec in (p for p in fields.PROPERTIES if p.object_type == object_type):
        what = f"{object_type}.{spec.name}"
        current = existing.get(spec.name)
        if current is None:
            if not dry_run:
                _create(gateway._call, api.create, object_type, spec.body())
            steps.append(ProvisionStep(_verb(dry_run), what, spec.label))
            continue
        have = {o.value for o in (current.options or [])}
        missing = [value for value, _ in spec.options if value not in have]
        if spec.type == "enumeration" and missing:
            if not dry_run:
                options = spec.body()["options"]
                kept = [
                    _option(o) for o in current.options or [] if o.value not in dict(spec.options)
                ]
                gateway._call(api.update, object_type, spec.name, {"options": options + kept})
            action = "would update" if dry_run else "updated"
            steps.append(ProvisionStep(action, what, f"options added: {', '.join(missing)}"))
        else:
            steps.append(ProvisionStep("exists", what))
    return steps


def _option(option: Any) -> dict[str, Any]:
    return {
        "label": option.label,
        "value": option.value,
        "displayOrder": option.display_order,
        "hidden": bool(option.hidden),
    }


def _create(call: Any, fn: Any, *args: Any) -> None:
    try:
        call(fn, *args)
    except CrmAuthError:
        raise
    except CrmRejected as error:
        if error.status != 409:  # created meanwhile by another run: fine
            raise


def _reference_label(
    gateway: HubSpotGateway, dry_run: bool
) -> tuple[list[ProvisionStep], int | None]:
    labels = gateway.client.labels
    what = f"deal → contact association label “{fields.REFERENCE_LABEL}”"

    def find() -> int | None:
        found = gateway._call(labels.get_all, "deals", "contacts").results or []
        ids = [t.type_id for t in found if t.label == fields.REFERENCE_LABEL]
        return int(ids[0]) if ids else None

    type_id = find()
    if type_id is not None:
        return [ProvisionStep("exists", what, f"type id {type_id}")], type_id
    if dry_run:
        return [ProvisionStep("would create", what)], None
    body = {"label": fields.REFERENCE_LABEL, "name": fields.REFERENCE_LABEL_NAME}
    try:
        gateway._call(labels.create, "deals", "contacts", body)
    except CrmAuthError:
        raise
    except CrmRejected as error:
        # Labels need a paid tier; links then use HubSpot's unlabelled deal → contact type.
        note = f"not available ({error.message}); links use the default deal–contact type"
        return [ProvisionStep("skipped", what, note)], None
    type_id = find()
    return [ProvisionStep("created", what, f"type id {type_id}")], type_id
