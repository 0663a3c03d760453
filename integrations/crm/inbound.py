"""What the CRM tells us: imported objects link champions and accounts and mirror deals;
webhook events change emails, merge companies, move deal stages, forget deleted contacts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from champions.models import Account, Champion, ChampionState
from integrations.crm.models import ObjectType, OutboxEntry, OutboxStatus
from integrations.crm.outbox import crm_mark_dirty
from integrations.crm.ports import CrmEvent, RemoteObject
from programs.references.models import Attribution, Deal

logger = logging.getLogger(__name__)


@dataclass
class ImportCounts:
    seen: int = 0
    linked: int = 0
    created: int = 0
    updated: int = 0


@transaction.atomic
def apply_remote(objects: Iterable[RemoteObject]) -> ImportCounts:
    """Link champions (by email) and accounts (by our id, else domain) that have no CRM id yet,
    and create or update the deal mirror. Linked objects are marked for the next sync."""
    objects = list(objects)
    counts = ImportCounts(seen=len(objects))
    _link_contacts([o for o in objects if o.type == "contact"], counts)
    _link_companies([o for o in objects if o.type == "company"], counts)
    _mirror_deals([o for o in objects if o.type == "deal"], counts)
    return counts


def _link_contacts(remote: list[RemoteObject], counts: ImportCounts) -> None:
    by_email = {o.email: o.crm_id for o in remote if o.email}
    if not by_email:
        return
    candidates = (
        Champion.objects.annotate(email_ci=Lower("email"))
        .filter(email_ci__in=list(by_email), crm_id="", erased_at__isnull=True)
        .only("pk", "email")
    )
    linked = [Champion(pk=c.pk, crm_id=by_email[c.email.lower()]) for c in candidates]
    Champion.objects.bulk_update(linked, ["crm_id"])
    counts.linked += len(linked)
    crm_mark_dirty(champion_ids=[c.pk for c in linked])


def _link_companies(remote: list[RemoteObject], counts: ImportCounts) -> None:
    taken = set(
        Account.objects.filter(crm_id__in=[o.crm_id for o in remote]).values_list(
            "crm_id", flat=True
        )
    )
    linked: list[int] = []
    for company in remote:
        if company.crm_id in taken:
            continue
        account = None
        if company.local_account_id is not None:
            account = Account.objects.filter(pk=company.local_account_id, crm_id="").first()
        if account is None and company.domain:
            account = Account.objects.filter(domain__iexact=company.domain, crm_id="").first()
        if account is not None:
            Account.objects.filter(pk=account.pk).update(crm_id=company.crm_id)
            taken.add(company.crm_id)
            linked.append(account.pk)
    counts.linked += len(linked)
    crm_mark_dirty(account_ids=linked)


def _mirror_deals(remote: list[RemoteObject], counts: ImportCounts) -> None:
    if not remote:
        return
    existing = {d.crm_id: d for d in Deal.objects.filter(crm_id__in=[o.crm_id for o in remote])}
    accounts = dict(
        Account.objects.filter(
            crm_id__in=[o.company_crm_id for o in remote if o.company_crm_id]
        ).values_list("crm_id", "pk")
    )
    changed: list[int] = []
    for deal in remote:
        values = {
            "name": (deal.name or f"HubSpot deal {deal.crm_id}")[:200],
            "amount": max(deal.amount or Decimal(0), Decimal(0)),
            "stage": deal.stage[:64],
            "is_closed": deal.is_closed,
            "is_won": deal.is_won and deal.is_closed,
            "close_date": deal.close_date if deal.is_closed else None,
            "account_id": accounts.get(deal.company_crm_id),
        }
        if deal.currency:
            values["currency"] = deal.currency[:3]
        local = existing.get(deal.crm_id)
        if local is None:
            created_at = deal.created_at or deal.modified_at
            extra = {"created_at": created_at} if created_at else {}
            created = Deal.objects.create(crm_id=deal.crm_id, **values, **extra)
            counts.created += 1
            changed.append(created.pk)
            continue
        if any(getattr(local, name) != value for name, value in values.items()):
            Deal.objects.filter(pk=local.pk).update(**values)
            counts.updated += 1
            changed.append(local.pk)
    # A deal's CRM properties change only through its references (or its close, which decides
    # whether they influenced it): only deals with attributions need a sync.
    with_references = Attribution.objects.filter(deal_id__in=changed).values_list(
        "deal_id", flat=True
    )
    crm_mark_dirty(deal_ids=set(with_references))


# --- webhook events -----------------------------------------------------------------------


@transaction.atomic
def apply_event(event: CrmEvent) -> str:
    """Apply one CRM event; returns what happened, for the stored delivery."""
    handler = {
        "email_changed": _email_changed,
        "companies_merged": _companies_merged,
        "deal_stage_changed": _deal_stage_changed,
        "contact_deleted": _contact_deleted,
    }.get(event.kind)
    return handler(event) if handler is not None else f"ignored: {event.kind}"


def _email_changed(event: CrmEvent) -> str:
    champion = (
        Champion.objects.filter(crm_id=event.crm_id, erased_at__isnull=True)
        .exclude(state=ChampionState.ALUMNI)
        .first()
    )
    if champion is None:
        return "no live champion with this contact"
    try:
        validate_email(event.value)
    except ValidationError:
        return f"ignored: “{event.value}” is not an email address"
    if champion.email.lower() == event.value:
        return "email unchanged"
    clash = (
        Champion.objects.filter(email__iexact=event.value, erased_at__isnull=True)
        .exclude(state=ChampionState.ALUMNI)
        .exclude(pk=champion.pk)
        .first()
    )
    if clash is not None:
        return f"ignored: {event.value} belongs to champion {clash.pk}"
    # The champion's sign-in (their user's email) stays theirs to change in the portal.
    Champion.objects.filter(pk=champion.pk).update(email=event.value)
    return f"champion {champion.pk} email changed"


def _companies_merged(event: CrmEvent) -> str:
    survivors = list(Account.objects.filter(crm_id=event.crm_id))
    merged = list(Account.objects.filter(crm_id__in=event.merged_ids).order_by("pk"))
    if not merged:
        return "no account had the merged companies"
    keeper = survivors[0] if survivors else merged[0]
    if not survivors:
        Account.objects.filter(pk=keeper.pk).update(crm_id=event.crm_id)
    others = [a.pk for a in merged if a.pk != keeper.pk]
    # Two accounts of ours were merged into one HubSpot company: only one can hold its id.
    # The others lose theirs and are found again by our id on their next sync.
    Account.objects.filter(pk__in=others).update(crm_id="")
    crm_mark_dirty(account_ids=[keeper.pk, *others])
    return f"account {keeper.pk} now company {event.crm_id}; unlinked {others or 'none'}"


def _deal_stage_changed(event: CrmEvent) -> str:
    deal = Deal.objects.filter(crm_id=event.crm_id).first()
    if deal is None:
        return "no deal mirror (hubspot_import creates it)"
    close_date = deal.close_date or (event.occurred_at if event.is_closed else None)
    Deal.objects.filter(pk=deal.pk).update(
        stage=event.value[:64],
        is_closed=event.is_closed,
        is_won=event.is_won,
        close_date=close_date if event.is_closed else None,
    )
    crm_mark_dirty(deal_ids=[deal.pk])
    return f"deal {deal.pk} stage {event.value}"


def _contact_deleted(event: CrmEvent) -> str:
    champions = list(Champion.objects.filter(crm_id=event.crm_id).values_list("pk", flat=True))
    if not champions:
        return "no champion had this contact"
    Champion.objects.filter(pk__in=champions).update(crm_id="")
    # Not re-created on its own: the next local change of the champion sends it again.
    OutboxEntry.objects.filter(object_type=ObjectType.CONTACT, object_id__in=champions).update(
        crm_id="",
        status=OutboxStatus.SKIPPED,
        last_hash="",
        last_error="Deleted in the CRM; the champion's next change creates the contact again.",
    )
    return f"champions {champions} unlinked"
