"""Property definitions (built-in and custom) and HubSpot's rules for property values.

Values travel as strings. https://developers.hubspot.com/docs/guides/api/crm/properties
- ``bool``: "true"/"false"; ``number``: plain decimal ("1e-14" is rejected, as HubSpot does);
- ``enumeration``: an option's ``value`` (never its label); checkbox fields take "a;b";
- ``date``: UTC midnight as epoch ms, or YYYY-MM-DD (anything else: INVALID_DATE);
- ``datetime``: epoch ms or ISO-8601.
Since April 2025 HubSpot rejects leading/trailing whitespace in non-string values:
https://developers.hubspot.com/changelog/breaking-change-enhanced-validations-for-non-string-properties-in-hubspots-crmobject-apis
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from .errors import JsonDict, Problem, validation_error

PROPERTY_TYPES = {
    "bool": {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"},
    "date": {"date", "calculation_equation"},
    "datetime": {"date", "calculation_equation"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"},
    "number": {"number", "calculation_equation"},
    "phone_number": {"phonenumber", "text"},
    "string": {"text", "textarea", "file", "html", "phonenumber", "calculation_equation"},
}

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_EPOCH = re.compile(r"-?\d+")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds, the way HubSpot writes createdAt/updatedAt.

    An epoch number there crashes hubspot-api-client 12 (FACTS.md), so always a string.
    """
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def parse_instant(text: str) -> datetime | None:
    """Epoch ms, ISO-8601 date-time or YYYY-MM-DD to an aware datetime; None if unparsable."""
    text = text.strip()
    if _EPOCH.fullmatch(text):
        try:
            return from_epoch_ms(int(text))
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: list[JsonDict] = field(default_factory=list)
    has_unique_value: bool = False
    hubspot_defined: bool = True
    read_only: bool = False
    external_options: bool = False
    display_order: int = -1
    hidden: bool = False
    form_field: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def option_values(self) -> list[str]:
        return [str(o["value"]) for o in self.options]

    def to_json(self) -> JsonDict:
        # Property responses always carry description and options ("" and [] for plain ones).
        out: JsonDict = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": [dict(o) for o in self.options],
            "displayOrder": self.display_order,
            "calculated": self.read_only and self.hubspot_defined,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "formField": self.form_field,
            "archived": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
        }
        if self.hubspot_defined:
            out["hubspotDefined"] = True
        if self.created_at is not None:
            out["createdAt"] = iso(self.created_at)
        if self.updated_at is not None:
            out["updatedAt"] = iso(self.updated_at)
        return out


def _opts(*values: str) -> list[JsonDict]:
    return [
        {
            "label": v.replace("_", " ").title(),
            "value": v,
            "displayOrder": i,
            "hidden": False,
            "description": "",
        }
        for i, v in enumerate(values)
    ]


LIFECYCLE = _opts(
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
# A subset of HubSpot's built-in industry values (the real list has ~150, all upper snake case).
INDUSTRIES = _opts(
    "ACCOUNTING",
    "BANKING",
    "COMPUTER_SOFTWARE",
    "COMPUTER_HARDWARE",
    "CONSUMER_GOODS",
    "EDUCATION_MANAGEMENT",
    "FINANCIAL_SERVICES",
    "HOSPITAL_HEALTH_CARE",
    "INFORMATION_TECHNOLOGY_AND_SERVICES",
    "INSURANCE",
    "INTERNET",
    "LOGISTICS_AND_SUPPLY_CHAIN",
    "MANAGEMENT_CONSULTING",
    "MARKETING_AND_ADVERTISING",
    "RETAIL",
    "TELECOMMUNICATIONS",
)
# Stages of the default deal pipeline. https://knowledge.hubspot.com/object-settings/set-up-and-customize-pipelines
DEAL_STAGES = _opts(
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
CURRENCIES = _opts("USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF")


def _p(name: str, type_: str = "string", field_type: str = "text", **kw: Any) -> PropertyDef:
    return PropertyDef(
        name=name,
        label=name.replace("_", " ").title(),
        type=type_,
        field_type=field_type,
        group_name="",
        **kw,
    )


_SYSTEM = [
    _p("hs_object_id", "number", "number", read_only=True),
    _p("createdate", "datetime", "date"),
    _p("hs_lastmodifieddate", "datetime", "date", read_only=True),
    _p("hubspot_owner_id", "enumeration", "select", external_options=True),
]

BUILTIN: dict[str, tuple[str, list[PropertyDef]]] = {
    "contacts": (
        "contactinformation",
        [
            _p("email", has_unique_value=True),
            _p("firstname"),
            _p("lastname"),
            _p("jobtitle"),
            _p("company"),
            _p("phone", "string", "phonenumber"),
            _p("website"),
            _p("city"),
            _p("country"),
            _p("lifecyclestage", "enumeration", "radio", options=LIFECYCLE),
            _p("lastmodifieddate", "datetime", "date", read_only=True),
        ],
    ),
    "companies": (
        "companyinformation",
        [
            _p("name"),
            _p("domain"),
            _p("industry", "enumeration", "select", options=INDUSTRIES),
            _p("website"),
            _p("phone", "string", "phonenumber"),
            _p("city"),
            _p("country"),
            _p("description", field_type="textarea"),
            _p("numberofemployees", "number", "number"),
            _p("annualrevenue", "number", "number"),
            _p("lifecyclestage", "enumeration", "radio", options=LIFECYCLE),
        ],
    ),
    "deals": (
        "dealinformation",
        [
            _p("dealname"),
            _p("amount", "number", "number"),
            _p("dealstage", "enumeration", "radio", options=DEAL_STAGES),
            _p("pipeline", "enumeration", "select", options=_opts("default")),
            _p("closedate", "datetime", "date"),
            _p("description", field_type="textarea"),
            _p(
                "dealtype", "enumeration", "radio", options=_opts("newbusiness", "existingbusiness")
            ),
            _p("deal_currency_code", "enumeration", "select", options=CURRENCIES),
            _p(
                "hs_is_closed",
                "bool",
                "booleancheckbox",
                read_only=True,
                options=_opts("true", "false"),
            ),
            _p(
                "hs_is_closed_won",
                "bool",
                "booleancheckbox",
                read_only=True,
                options=_opts("true", "false"),
            ),
        ],
    ),
}

# Properties HubSpot returns on reads when the caller does not ask for any.
DEFAULT_READ = {
    "contacts": [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ],
    "companies": ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
    "deals": [
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ],
}
# Always present in responses, asked for or not.
ALWAYS = {
    "contacts": ["createdate", "hs_object_id", "lastmodifieddate"],
    "companies": ["createdate", "hs_lastmodifieddate", "hs_object_id"],
    "deals": ["createdate", "hs_lastmodifieddate", "hs_object_id"],
}


def builtin_properties(object_type: str, now: datetime) -> dict[str, PropertyDef]:
    group, specific = BUILTIN[object_type]
    out: dict[str, PropertyDef] = {}
    for proto in [*specific, *_SYSTEM]:
        prop = PropertyDef(**{**proto.__dict__, "options": [dict(o) for o in proto.options]})
        prop.group_name = group
        prop.created_at = prop.updated_at = now
        out[prop.name] = prop
    return out


def to_wire_string(value: Any) -> str | None:
    """A JSON scalar as HubSpot stores it; None for values that are not scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    return None


def normalize(prop: PropertyDef, text: str) -> str:
    """The stored form of ``text`` for ``prop``; raises ValueError(Problem) when invalid."""
    if text == "":
        return text  # an empty string clears the value, whatever the type
    kind = prop.type
    if kind != "string" and kind != "phone_number" and text != text.strip():
        raise _bad(
            prop,
            "INVALID_WHITESPACE",
            f"{text!r} has leading or trailing whitespace, which is not allowed for "
            f"{kind} properties.",
            text,
        )
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            raise _bad(prop, "INVALID_INTEGER", f"{text} was not a valid number.", text)
        return text
    if kind == "bool":
        if text not in ("true", "false"):
            raise _bad(
                prop,
                "INVALID_BOOLEAN",
                f'{text} is not a valid boolean value: use "true" or "false".',
                text,
            )
        return text
    if kind == "enumeration":
        return _enumeration(prop, text)
    if kind == "date":
        return _date(prop, text)
    if kind == "datetime":
        moment = parse_instant(text)
        if moment is None:
            raise _bad(
                prop,
                "INVALID_DATETIME",
                f"{text} is not a valid epoch-millisecond or ISO-8601 date-time.",
                text,
            )
        return iso(moment)
    if prop.name == "email" and not _EMAIL.fullmatch(text):
        raise _bad(prop, "INVALID_EMAIL", f"Email address {text} is invalid", text)
    return text


def _bad(prop: PropertyDef, code: str, message: str, value: str) -> ValueError:
    return ValueError(Problem(code, prop.name, message, value))


def _enumeration(prop: PropertyDef, text: str) -> str:
    if prop.external_options:
        return text  # owners, pipelines of other objects: HubSpot checks them elsewhere
    allowed = prop.option_values()
    chosen = text.split(";") if prop.field_type == "checkbox" else [text]
    for one in chosen:
        if one not in allowed:
            raise _bad(
                prop,
                "INVALID_OPTION",
                f"{one} was not one of the allowed options: [{', '.join(allowed)}]",
                text,
            )
    return text


def _date(prop: PropertyDef, text: str) -> str:
    if _EPOCH.fullmatch(text):
        moment = parse_instant(text)
        if moment is None:
            raise _bad(prop, "INVALID_DATE", f"{text} is not a valid date.", text)
        if (moment.hour, moment.minute, moment.second, moment.microsecond) != (0, 0, 0, 0):
            clock = moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
            raise _bad(prop, "INVALID_DATE", f"{text} is at {clock} UTC, not midnight!", text)
        return moment.date().isoformat()
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            pass
    raise _bad(
        prop,
        "INVALID_DATE",
        f"{text} is not a valid date: use UTC midnight in epoch milliseconds or YYYY-MM-DD.",
        text,
    )


def sort_key(prop: PropertyDef | None, value: str | None) -> tuple[int, Any]:
    """Orders values of one property the way HubSpot compares them in search.

    Numbers and instants compare numerically, everything else case-insensitively.
    """
    if value is None or value == "":
        return (0, "")
    if prop is not None and prop.type == "number":
        try:
            return (1, float(value))
        except ValueError:
            return (2, value.lower())
    if prop is not None and prop.type in ("date", "datetime"):
        moment = parse_instant(value)
        if moment is not None:
            return (1, epoch_ms(moment))
    return (2, value.lower())


def parse_property_create(body: Any, existing_groups: set[str], now: datetime) -> PropertyDef:
    """Validates a POST /crm/v3/properties/{type} body (PropertyCreate schema)."""
    if not isinstance(body, dict):
        raise validation_error("Property definition must be a JSON object.")
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not body.get(k)]
    if missing:
        raise validation_error(f"Missing required fields: {', '.join(missing)}")
    name, kind, field_type = str(body["name"]), str(body["type"]), str(body["fieldType"])
    if not _NAME.fullmatch(name):
        raise validation_error(
            f"Property name '{name}' must start with a lowercase letter and "
            "contain only lowercase letters, digits and underscores."
        )
    if kind not in PROPERTY_TYPES:
        raise validation_error(
            f"Invalid property type {kind}; expected one of {sorted(PROPERTY_TYPES)}"
        )
    if field_type not in PROPERTY_TYPES[kind]:
        raise validation_error(f"fieldType {field_type} is not valid for type {kind}")
    group = str(body["groupName"])
    if group not in existing_groups:
        raise validation_error(f"Unable to find property group {group}")
    options = _parse_options(kind, body.get("options") or [])
    return PropertyDef(
        name=name,
        label=str(body["label"]),
        type=kind,
        field_type=field_type,
        group_name=group,
        description=str(body.get("description") or ""),
        options=options,
        has_unique_value=bool(body.get("hasUniqueValue", False)),
        hubspot_defined=False,
        external_options=bool(body.get("externalOptions", False)),
        display_order=int(body.get("displayOrder", -1)),
        hidden=bool(body.get("hidden", False)),
        form_field=bool(body.get("formField", False)),
        created_at=now,
        updated_at=now,
    )


def _parse_options(kind: str, raw: Any) -> list[JsonDict]:
    if not isinstance(raw, list):
        raise validation_error("options must be a list")
    out: list[JsonDict] = []
    seen: set[str] = set()
    for i, opt in enumerate(raw):
        if not isinstance(opt, dict) or "value" not in opt or "label" not in opt:
            raise validation_error("Each option needs a label and a value")
        value = str(opt["value"])
        if value in seen:
            raise validation_error(f"Duplicate option value {value}")
        seen.add(value)
        out.append(
            {
                "label": str(opt["label"]),
                "value": value,
                "displayOrder": int(opt.get("displayOrder", i)),
                "hidden": bool(opt.get("hidden", False)),
                "description": str(opt.get("description") or ""),
            }
        )
    if kind == "enumeration" and not out:
        raise validation_error("Enumeration properties need at least one option")
    return out


def parse_options_update(kind: str, raw: Any) -> list[JsonDict]:
    return _parse_options(kind, raw)
