"""The field mapping: the only place that knows HubSpot property names and value formats.

Values travel as strings (FACTS.md, "Values"): booleans "true"/"false", numbers as plain
decimals, multi-select values joined by ";", `date` properties as YYYY-MM-DD (UTC midnight),
`datetime` properties as epoch milliseconds; an empty string clears a value.
https://developers.hubspot.com/docs/guides/api/crm/properties
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from champions.models import ActivityLevel, ChampionState, ChampionTier, ConsentScope
from integrations.crm.ports import (
    CompanyRecord,
    ContactRecord,
    CrmRecord,
    DealRecord,
    ReferenceLinkRecord,
    RemoteObject,
    RemoteType,
)
from programs.references.models import ActivityType

GROUP_NAME = "champions_program"
GROUP_LABEL = "Champions program"
# Our own id on companies, unique in HubSpot: companies cannot be upserted by domain (FACTS.md).
ACCOUNT_ID = "champions_account_id"
REFERENCE_LABEL = "Reference"
REFERENCE_LABEL_NAME = "champions_reference"
# HubSpot's built-in deal → contact association (FACTS.md, "Identity"), used when the portal
# has no user-defined label (labels need a paid tier).
DEAL_TO_CONTACT_DEFAULT = 3
OBJECT_TYPES: dict[RemoteType, str] = {
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
}
# Figures product analytics pushes most often get a number property each; any other metric
# is listed in the text property `champions_adoption_other`.
KNOWN_FIGURES = ("weekly_active_users", "seats_used")
AVAILABILITY = ("available", "busy", "at_cap", "cooldown", "paused", "no_consent", "not_active")


@dataclass(frozen=True)
class PropertySpec:
    """A property of ours, as POST /crm/v3/properties/{objectType} takes it."""

    object_type: str
    name: str
    label: str
    type: str = "string"
    field_type: str = "text"
    options: tuple[tuple[str, str], ...] = ()
    description: str = ""
    unique: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "groupName": GROUP_NAME,
            "description": self.description,
            "options": [
                {"label": label, "value": value, "displayOrder": i, "hidden": False}
                for i, (value, label) in enumerate(self.options)
            ],
        }
        if self.unique:
            body["hasUniqueValue"] = True
        return body


def _choices(pairs: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(value), str(label)) for value, label in pairs)


_LEVELS = _choices((ActivityLevel(v).label.lower(), ActivityLevel(v).label) for v in ActivityLevel)
_AVAILABILITY = _choices((v, v.replace("_", " ").capitalize()) for v in AVAILABILITY)


def _contact(name: str, label: str, kind: str = "string", **kw: Any) -> PropertySpec:
    return PropertySpec("contacts", name, label, kind, **kw)


def _company(name: str, label: str, kind: str = "string", **kw: Any) -> PropertySpec:
    return PropertySpec("companies", name, label, kind, **kw)


def _deal(name: str, label: str, kind: str = "string", **kw: Any) -> PropertySpec:
    return PropertySpec("deals", name, label, kind, **kw)


NUMBER = {"field_type": "number"}
DATETIME = {"field_type": "date"}
SELECT = {"field_type": "select"}
CHECKBOX = {"field_type": "checkbox"}

PROPERTIES: tuple[PropertySpec, ...] = (
    _contact(
        "champions_status",
        "Champion status",
        "enumeration",
        options=_choices(ChampionState.choices),
        **SELECT,
    ),
    _contact(
        "champions_tier",
        "Champion tier",
        "enumeration",
        options=_choices(ChampionTier.choices),
        **SELECT,
    ),
    _contact(
        "champions_level", "Champion level (90 days)", "enumeration", options=_LEVELS, **SELECT
    ),
    _contact("champions_guilds", "Champion guilds"),
    _contact("champions_engagement_score", "Champion engagement score", "number", **NUMBER),
    _contact("champions_last_activity", "Champion last contribution", "datetime", **DATETIME),
    _contact(
        "champions_reference_availability",
        "Reference availability",
        "enumeration",
        options=_AVAILABILITY,
        **SELECT,
    ),
    _contact("champions_references_given", "References given", "number", **NUMBER),
    _contact(
        "champions_consent_scopes",
        "Consent scopes",
        "enumeration",
        options=_choices(ConsentScope.choices),
        **CHECKBOX,
    ),
    _contact("champions_champion_id", "Champions program id"),
    _company(
        ACCOUNT_ID,
        "Champions account id",
        unique=True,
        description="Our id of the account; the sync finds the company by it.",
    ),
    _company("champions_active_champions", "Active champions (90 days)", "number", **NUMBER),
    _company("champions_champion_count", "Champions", "number", **NUMBER),
    _company(
        "champions_highest_level",
        "Highest champion level (90 days)",
        "enumeration",
        options=_LEVELS,
        **SELECT,
    ),
    _company("champions_engagement_score", "Champion engagement score", "number", **NUMBER),
    _company("champions_events_attended_90d", "Events attended (90 days)", "number", **NUMBER),
    _company("champions_templates_reused_90d", "Templates reused (90 days)", "number", **NUMBER),
    _company("champions_last_activity", "Last champion contribution", "datetime", **DATETIME),
    _company("champions_references_given_12m", "References given (12 months)", "number", **NUMBER),
    _company("champions_weekly_active_users", "Weekly active users", "number", **NUMBER),
    _company("champions_seats_used", "Seats used", "number", **NUMBER),
    _company("champions_adoption_other", "Other adoption figures"),
    _deal("champions_references_count", "References used", "number", **NUMBER),
    _deal("champions_reference_champions", "Reference champions"),
    _deal(
        "champions_reference_types",
        "Reference types",
        "enumeration",
        options=_choices(ActivityType.choices),
        **CHECKBOX,
    ),
    _deal(
        "champions_influenced",
        "Influenced by a reference",
        "bool",
        field_type="booleancheckbox",
        options=(("true", "Yes"), ("false", "No")),
    ),
    _deal("champions_first_reference_date", "First reference date", "date", field_type="date"),
)
OUR_CONTACT_PROPERTIES = tuple(p.name for p in PROPERTIES if p.object_type == "contacts")


# --- values -------------------------------------------------------------------------------


def number(value: float | int | Decimal) -> str:
    """A plain decimal: no exponent, no trailing zeros (HubSpot rejects "1e-05")."""
    text = format(Decimal(str(round(float(value), 4))).normalize(), "f")
    return "0" if text in ("-0", "") else text


def instant(value: datetime | None) -> str:
    return str(int(value.timestamp() * 1000)) if value is not None else ""


def day(value: datetime | None) -> str:
    return value.astimezone(UTC).date().isoformat() if value is not None else ""


def joined(values: tuple[str, ...]) -> str:
    return ";".join(values)


# --- records → properties -----------------------------------------------------------------


def contact_properties(record: ContactRecord) -> dict[str, str]:
    return {
        "email": record.email,
        "firstname": record.first_name,
        "lastname": record.last_name,
        "jobtitle": record.job_title,
        "champions_status": record.status,
        "champions_tier": record.tier,
        "champions_level": record.level,
        "champions_guilds": "; ".join(record.guilds),
        "champions_engagement_score": number(record.engagement_score),
        "champions_last_activity": instant(record.last_activity_at),
        "champions_reference_availability": record.reference_availability,
        "champions_references_given": str(record.references_given),
        "champions_consent_scopes": joined(record.consent_scopes),
        "champions_champion_id": str(record.local_id),
    }


def company_properties(record: CompanyRecord) -> dict[str, str]:
    figures = dict(record.adoption_figures)
    other = "; ".join(
        f"{k}={number(v)}" for k, v in sorted(figures.items()) if k not in KNOWN_FIGURES
    )
    props = {
        ACCOUNT_ID: str(record.local_id),
        "name": record.name,
        "domain": record.domain,
        "champions_active_champions": str(record.active_champions),
        "champions_champion_count": str(record.champion_count),
        "champions_highest_level": record.highest_champion_level,
        "champions_engagement_score": number(record.engagement_score),
        "champions_events_attended_90d": str(record.events_attended_90d),
        "champions_templates_reused_90d": str(record.templates_reused_90d),
        "champions_last_activity": instant(record.last_champion_activity_at),
        "champions_references_given_12m": str(record.references_given_12m),
        "champions_adoption_other": other,
    }
    for name in KNOWN_FIGURES:
        value = figures.get(name)
        props[f"champions_{name}"] = number(value) if value is not None else ""
    return props


def deal_properties(record: DealRecord) -> dict[str, str]:
    return {
        "champions_references_count": str(record.references_count),
        "champions_reference_champions": "; ".join(record.reference_champions),
        "champions_reference_types": joined(record.reference_types),
        "champions_influenced": "true" if record.influenced else "false",
        "champions_first_reference_date": day(record.first_reference_at),
    }


def link_payload(record: ReferenceLinkRecord, label_type_id: int) -> dict[str, str]:
    return {
        "deal": record.deal_crm_id,
        "contact": record.contact_crm_id,
        "type": str(label_type_id),
    }


def properties_of(record: CrmRecord, label_type_id: int) -> dict[str, str]:
    if isinstance(record, ContactRecord):
        return contact_properties(record)
    if isinstance(record, CompanyRecord):
        return company_properties(record)
    if isinstance(record, DealRecord):
        return deal_properties(record)
    return link_payload(record, label_type_id)


def cleared_contact_properties() -> dict[str, str]:
    """Every property of ours, blank: what an erasure leaves on a contact HubSpot keeps."""
    return dict.fromkeys(OUR_CONTACT_PROPERTIES, "")


# --- HubSpot objects → remote objects -----------------------------------------------------

READ_PROPERTIES: dict[RemoteType, list[str]] = {
    "contact": ["email", "lastmodifieddate"],
    "company": ["name", "domain", ACCOUNT_ID, "hs_lastmodifieddate"],
    "deal": [
        "dealname",
        "amount",
        "deal_currency_code",
        "dealstage",
        "closedate",
        "createdate",
        "hs_is_closed",
        "hs_is_closed_won",
        "hs_lastmodifieddate",
    ],
}
MODIFIED: dict[RemoteType, str] = {
    "contact": "lastmodifieddate",
    "company": "hs_lastmodifieddate",
    "deal": "hs_lastmodifieddate",
}
# Stages of the default pipeline that close a deal; HubSpot also reports hs_is_closed(_won).
CLOSED_WON, CLOSED_LOST = "closedwon", "closedlost"


def parse_instant(text: str | None) -> datetime | None:
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


def remote_object(
    kind: RemoteType, crm_id: str, props: dict[str, str | None], company_crm_id: str = ""
) -> RemoteObject:
    text = {k: (v or "") for k, v in props.items()}
    account = text.get(ACCOUNT_ID, "")
    stage = text.get("dealstage", "")
    return RemoteObject(
        type=kind,
        crm_id=crm_id,
        modified_at=parse_instant(text.get(MODIFIED[kind])),
        email=text.get("email", "").lower(),
        name=text.get("name") or text.get("dealname", ""),
        domain=text.get("domain", "").lower(),
        local_account_id=int(account) if account.isdigit() else None,
        amount=parse_decimal(text.get("amount")),
        currency=text.get("deal_currency_code", ""),
        stage=stage,
        is_closed=text.get("hs_is_closed") == "true" or stage in (CLOSED_WON, CLOSED_LOST),
        is_won=text.get("hs_is_closed_won") == "true" or stage == CLOSED_WON,
        created_at=parse_instant(text.get("createdate")),
        close_date=parse_instant(text.get("closedate")),
        company_crm_id=company_crm_id,
    )
