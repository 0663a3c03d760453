"""Local objects → CRM-neutral records, a batch at a time in a fixed number of queries.

What a contact carries is the program's view of the person: status, tier, level, guilds,
engagement, last contribution, reference availability, references given and consent scopes.
Never private notes, quote texts or anything sales may not see (RELIABILITY.md 10).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q

from champions.models import (
    Account,
    ActivityLevel,
    Champion,
    ConsentRecord,
    ConsentScope,
    Membership,
    MembershipStatus,
)
from integrations.crm.models import ObjectType
from integrations.crm.ports import (
    CompanyRecord,
    ContactRecord,
    CrmRecord,
    DealRecord,
    ReferenceLinkRecord,
)
from programs.metrics.adoption import account_adoption, champion_engagement
from programs.references.models import Attribution, Deal
from programs.references.selectors.requests import (
    champion_is_active,
    champions_availability,
    deal_reference_exists,
)

NO_CONSENT = "no_consent"
# What a contact is made of (the rest of a champion is never read here, so never loaded).
CONTACT_FIELDS = (
    "email",
    "full_name",
    "title",
    "account_id",
    "state",
    "tier",
    "crm_id",
    "erased_at",
    "successor_id",
)
NOT_ACTIVE = "not_active"


@dataclass(frozen=True)
class Skip:
    """Nothing to send for this object, and why (shown on its outbox entry)."""

    reason: str


@dataclass(frozen=True)
class Wait:
    """Not sendable yet (it needs another object in the CRM first); try again later."""

    reason: str


Mapped = CrmRecord | Skip | Wait


def load_records(object_type: str, ids: Iterable[int], *, at: datetime) -> dict[int, Mapped]:
    """The record (or the reason there is none) for each id; ids of deleted objects are Skips."""
    ids = list(ids)
    loader = {
        ObjectType.CONTACT: _contacts,
        ObjectType.COMPANY: _companies,
        ObjectType.DEAL: _deals,
        ObjectType.REFERENCE_LINK: _reference_links,
    }[ObjectType(object_type)]
    found = loader(ids, at)
    gone = Skip("It no longer exists here; nothing was sent.")
    return {i: found.get(i, gone) for i in ids}


def level_label(level: int | None) -> str:
    return ActivityLevel(level).label.lower() if level else ""


# --- contacts -----------------------------------------------------------------------------


def _contacts(ids: list[int], at: datetime) -> dict[int, Mapped]:
    champions = list(
        Champion.objects.filter(pk__in=ids)
        .select_related("successor")
        .only(*CONTACT_FIELDS, "successor__email")
    )
    live = [c for c in champions if c.erased_at is None]
    engagement = champion_engagement(champion_ids=[c.pk for c in live], at=at)
    guilds = _guild_names([c.pk for c in live])
    scopes = _consented_scopes([c.pk for c in live], at)
    availability = _availability(live, scopes, at)
    out: dict[int, Mapped] = {}
    for champion in champions:
        successor = champion.successor
        if champion.erased_at is not None:
            out[champion.pk] = Skip("Erased: the CRM contact is removed by the erasure entry.")
        elif successor is not None and successor.email.lower() == champion.email.lower():
            # A champion who moved keeps their email on the new record; both would write to
            # the same contact, and the newer record speaks for the person.
            out[champion.pk] = Skip(f"Champion {successor.pk} (same email) speaks for them.")
        else:
            figures = engagement[champion.pk]
            consents = scopes.get(champion.pk, ())
            first, _, last = champion.full_name.partition(" ")
            out[champion.pk] = ContactRecord(
                local_id=champion.pk,
                crm_id=champion.crm_id,
                email=champion.email.lower(),
                first_name=first,
                last_name=last,
                job_title=champion.title,
                account_id=champion.account_id,
                status=champion.state,
                tier=champion.tier,
                level=level_label(figures.highest_level),
                guilds=tuple(guilds.get(champion.pk, ())),
                engagement_score=figures.engagement_score,
                last_activity_at=figures.last_activity_at,
                reference_availability=availability[champion.pk],
                references_given=figures.references_given,
                consent_scopes=consents,
            )
    return out


def _guild_names(ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        Membership.objects.filter(champion_id__in=ids, status=MembershipStatus.ACTIVE)
        .order_by("guild__name")
        .values_list("champion_id", "guild__name")
    )
    for champion_id, name in rows:
        names[champion_id].append(name)
    return names


def _consented_scopes(ids: list[int], at: datetime) -> dict[int, tuple[str, ...]]:
    """Scopes whose latest consent record (append-only history) is a grant."""
    latest: dict[tuple[int, str], bool] = {}
    rows = (
        ConsentRecord.objects.filter(champion_id__in=ids, recorded_at__lte=at)
        .order_by("champion_id", "scope", "-recorded_at", "-id")
        .values_list("champion_id", "scope", "granted")
    )
    for champion_id, scope, granted in rows:
        latest.setdefault((champion_id, scope), granted)
    out: dict[int, list[str]] = defaultdict(list)
    for (champion_id, scope), granted in latest.items():
        if granted:
            out[champion_id].append(scope)
    order = list(ConsentScope.values)
    return {key: tuple(sorted(value, key=order.index)) for key, value in out.items()}


def _availability(
    champions: list[Champion], scopes: dict[int, tuple[str, ...]], at: datetime
) -> dict[int, str]:
    """The reference program's own answer (its selector), for champions who could be asked."""
    out: dict[int, str] = {}
    askable = []
    for champion in champions:
        if ConsentScope.REFERENCE_CALL not in scopes.get(champion.pk, ()):
            out[champion.pk] = NO_CONSENT
        elif not champion_is_active(champion):
            out[champion.pk] = NOT_ACTIVE
        else:
            askable.append(champion)
    found = champions_availability(champions=askable, at=at) if askable else {}
    out.update((pk, availability.state) for pk, availability in found.items())
    return out


# --- companies ----------------------------------------------------------------------------


def _companies(ids: list[int], at: datetime) -> dict[int, Mapped]:
    accounts = list(Account.objects.filter(pk__in=ids))
    adoption = account_adoption(account_ids=[a.pk for a in accounts], at=at)
    out: dict[int, Mapped] = {}
    for account in accounts:
        figures = adoption[account.pk]
        out[account.pk] = CompanyRecord(
            local_id=account.pk,
            crm_id=account.crm_id,
            name=account.name,
            domain=account.domain,
            active_champions=figures.active_champions,
            champion_count=figures.champion_count,
            highest_champion_level=level_label(figures.highest_champion_level),
            engagement_score=figures.engagement_score,
            events_attended_90d=figures.events_attended_90d,
            templates_reused_90d=figures.templates_reused_90d,
            last_champion_activity_at=figures.last_champion_activity_at,
            references_given_12m=figures.references_given_12m,
            adoption_figures=tuple(sorted(figures.figures.items())),
        )
    return out


# --- deals and their reference links ------------------------------------------------------


def _deals(ids: list[int], at: datetime) -> dict[int, Mapped]:
    deals = Deal.objects.filter(pk__in=ids).annotate(influenced=deal_reference_exists(at=at))
    attributions = _attributions(Q(deal_id__in=ids), at)
    summary = attributions.values("deal_id").annotate(n=Count("id"), first=Min("date"))
    counts = {row["deal_id"]: (row["n"], row["first"]) for row in summary}
    names: dict[int, set[str]] = defaultdict(set)
    kinds: dict[int, set[str]] = defaultdict(set)
    for deal_id, name, kind in attributions.values_list("deal_id", "champion__full_name", "type"):
        names[deal_id].add(name)
        kinds[deal_id].add(kind)
    out: dict[int, Mapped] = {}
    for deal in deals:
        if not deal.crm_id:
            out[deal.pk] = Skip("The deal has no CRM id yet: hubspot_import links it.")
            continue
        count, first = counts.get(deal.pk, (0, None))
        out[deal.pk] = DealRecord(
            local_id=deal.pk,
            crm_id=deal.crm_id,
            references_count=count,
            reference_champions=tuple(sorted(names[deal.pk])),
            reference_types=tuple(sorted(kinds[deal.pk])),
            influenced=bool(deal.influenced),
            first_reference_at=first,
        )
    return out


def _attributions(scope: Q, at: datetime) -> Any:
    """Attributions of non-erased champions dated before `at`."""
    return Attribution.objects.filter(scope, date__lt=at, champion__erased_at__isnull=True)


def _reference_links(ids: list[int], at: datetime) -> dict[int, Mapped]:
    rows = Attribution.objects.filter(pk__in=ids).select_related("deal", "champion")
    out: dict[int, Mapped] = {}
    for attribution in rows:
        champion, deal = attribution.champion, attribution.deal
        contact_crm_id = champion.crm_id or _contact_crm_id_by_email(champion.email)
        if champion.erased_at is not None:
            out[attribution.pk] = Skip("The champion was erased.")
        elif not deal.crm_id or not contact_crm_id:
            missing = "deal" if not deal.crm_id else "contact"
            out[attribution.pk] = Wait(f"Waiting for the {missing} to reach the CRM.")
        else:
            out[attribution.pk] = ReferenceLinkRecord(
                local_id=attribution.pk, deal_crm_id=deal.crm_id, contact_crm_id=contact_crm_id
            )
    return out


def _contact_crm_id_by_email(email: str) -> str:
    """A champion who moved shares one CRM contact with their newer record."""
    found = (
        Champion.objects.filter(email__iexact=email, erased_at__isnull=True)
        .exclude(crm_id="")
        .order_by("-pk")
        .values_list("crm_id", flat=True)
        .first()
    )
    return found or ""


def reference_link_ids(deal_ids: Iterable[int]) -> list[int]:
    """The attributions of these deals: their links change with the deals."""
    return list(Attribution.objects.filter(deal_id__in=list(deal_ids)).values_list("pk", flat=True))


def live_object_ids(object_type: str) -> list[int]:
    """Every object of a type the nightly refresh re-checks (unchanged ones cost no call)."""
    if object_type == ObjectType.CONTACT:
        return list(Champion.objects.filter(erased_at__isnull=True).values_list("pk", flat=True))
    if object_type == ObjectType.COMPANY:
        return list(Account.objects.values_list("pk", flat=True))
    if object_type == ObjectType.DEAL:
        return list(Deal.objects.exclude(crm_id="").values_list("pk", flat=True))
    return []
