"""In-memory CRM state: records, property definitions, groups, and associations.

Not thread-safe by itself: :class:`~.server.SandboxServer` holds one lock around every use.
Record shape: https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .associations import SINGULAR, AssociationStore
from .errors import (
    ApiError,
    JsonDict,
    Problem,
    conflict,
    invalid_json,
    invalid_properties,
    validation_error,
)
from .errors import not_found as _not_found
from .properties import (
    ALWAYS,
    DEFAULT_READ,
    PropertyDef,
    builtin_properties,
    iso,
    normalize,
    to_wire_string,
)

OBJECT_TYPES = ("contacts", "companies", "deals")
_ALIASES = {
    "contact": "contacts",
    "0-1": "contacts",
    "company": "companies",
    "0-2": "companies",
    "deal": "deals",
    "0-3": "deals",
}


def resolve_type(name: str) -> str:
    """Canonical plural name; the API accepts plural, singular and ``0-1`` style ids."""
    key = name.lower()
    key = _ALIASES.get(key, key)
    if key not in OBJECT_TYPES:
        # The sandbox models contacts, companies and deals only.
        raise validation_error(f"Unable to infer object type from: {name}")
    return key


@dataclass
class CrmObject:
    id: str
    type: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    searchable_at: datetime
    archived: bool = False
    archived_at: datetime | None = None

    def base(self) -> JsonDict:
        out: JsonDict = {
            "id": self.id,
            "properties": {},
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "archived": self.archived,
        }
        if self.archived_at is not None:
            out["archivedAt"] = iso(self.archived_at)
        return out


def coerce_properties(raw: Any) -> dict[str, str]:
    """The ``properties`` map of one input, every value as its wire string.

    HubSpot deserializes it as Map<String, String> before looking at any input, so a nested
    object, a list or null fails the whole request, not just this input.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise invalid_json("'properties' must be an object of property name to string value.")
    out: dict[str, str] = {}
    for name, value in raw.items():
        text = to_wire_string(value)
        if text is None:
            raise invalid_json(
                f"Cannot deserialize value of type `java.lang.String` from {type(value).__name__}"
                f" value (property '{name}'): property values must be strings, numbers or "
                "booleans."
            )
        out[str(name)] = text
    return out


@dataclass
class Store:
    """Everything a HubSpot portal would hold for the three object types the sandbox models."""

    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    search_delay: timedelta = field(default_factory=timedelta)
    # Fail a whole batch update/upsert on one bad input unless every input has its own
    # objectWriteTraceId (what batch create always does); off by default: 207 with the valid
    # inputs written.
    all_or_nothing_batches: bool = False

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        start = self.clock()
        self._last_now = start
        self.next_id = 1001
        self.objects: dict[str, dict[str, CrmObject]] = {t: {} for t in OBJECT_TYPES}
        self.properties: dict[str, dict[str, PropertyDef]] = {
            t: builtin_properties(t, start) for t in OBJECT_TYPES
        }
        self.groups: dict[str, dict[str, JsonDict]] = {
            t: {
                name: {"name": name, "label": label, "displayOrder": -1, "archived": False}
                for name, label in self._builtin_groups(t)
            }
            for t in OBJECT_TYPES
        }
        self.associations = AssociationStore()
        self.invalidate_indexes()

    def invalidate_indexes(self) -> None:
        """Forget the unique-value indexes; they are rebuilt on next use. Called whenever
        records or property definitions change wholesale (reset, rollback, property edits)."""
        # (type, property) -> unique key of a live record's value -> record id. Lookups by a
        # unique property (upsert by email) must not scan 50,000 records per input.
        self._unique_index: dict[tuple[str, str], dict[str, str]] = {}

    def _index(self, object_type: str, name: str) -> dict[str, str]:
        index = self._unique_index.get((object_type, name))
        if index is None:
            index = {}
            for record in self.objects[object_type].values():
                value = record.properties.get(name)
                if value and not record.archived:
                    index.setdefault(_unique_key(name, value), record.id)
            self._unique_index[(object_type, name)] = index
        return index

    def _unindex(self, record: CrmObject, names: Iterable[str]) -> None:
        for name in names:
            index = self._unique_index.get((record.type, name))
            value = record.properties.get(name)
            if index is not None and value and index.get(_unique_key(name, value)) == record.id:
                del index[_unique_key(name, value)]

    def _reindex(self, record: CrmObject, names: Iterable[str]) -> None:
        for name in names:
            index = self._unique_index.get((record.type, name))
            value = record.properties.get(name)
            if index is not None and value and not record.archived:
                index[_unique_key(name, value)] = record.id

    @staticmethod
    def _builtin_groups(object_type: str) -> list[tuple[str, str]]:
        singular = SINGULAR[object_type]
        return [(f"{singular}information", f"{singular.title()} information")]

    def now(self) -> datetime:
        """The request's timestamp, strictly later than the previous one (by >= 1 ms).

        Keeps updatedAt/hs_lastmodifieddate ordered so searches on them are deterministic.
        """
        moment = self.clock()
        if moment <= self._last_now:
            moment = self._last_now + timedelta(milliseconds=1)
        self._last_now = moment
        return moment

    # ---- lookups ---------------------------------------------------------------------------
    def prop(self, object_type: str, name: str) -> PropertyDef | None:
        return self.properties[object_type].get(name)

    def unique_props(self, object_type: str) -> list[str]:
        return [p.name for p in self.properties[object_type].values() if p.has_unique_value]

    def check_id_property(self, object_type: str, id_property: str | None) -> str:
        """``idProperty`` must name a unique property (or hs_object_id); else the call fails."""
        if not id_property or id_property == "hs_object_id":
            return "hs_object_id"
        prop = self.prop(object_type, id_property)
        if prop is None:
            raise validation_error(
                f'Property "{id_property}" does not exist', sub_category="PROPERTY_DOESNT_EXIST"
            )
        if not prop.has_unique_value:
            raise validation_error(
                f"{id_property} is not a unique property; idProperty must name a property "
                "with hasUniqueValue=true.",
                sub_category="crm.objects.INVALID_ID_PROPERTY",
            )
        return id_property

    def find(
        self, object_type: str, ident: str, id_property: str | None = None, archived: bool = False
    ) -> CrmObject | None:
        id_property = self.check_id_property(object_type, id_property)
        records = self.objects[object_type]
        if id_property == "hs_object_id":
            found = records.get(ident)
            return found if found is not None and found.archived == archived else None
        wanted = _unique_key(id_property, ident)
        if not archived:
            found_id = self._index(object_type, id_property).get(wanted)
            return records.get(found_id) if found_id is not None else None
        for record in records.values():
            value = record.properties.get(id_property)
            if record.archived == archived and value and _unique_key(id_property, value) == wanted:
                return record
        return None

    def live(self, object_type: str) -> list[CrmObject]:
        return [r for r in self.objects[object_type].values() if not r.archived]

    def require(self, object_type: str, ident: str, id_property: str | None = None) -> CrmObject:
        found = self.find(object_type, ident, id_property)
        if found is None:
            raise _not_found()
        return found

    # ---- validation ------------------------------------------------------------------------
    def check_values(
        self, object_type: str, props: dict[str, str], target: CrmObject | None
    ) -> dict[str, str]:
        """Normalized values; raises 400 listing every bad property, or 409 on a duplicate."""
        problems: list[Problem] = []
        clean: dict[str, str] = {}
        for name, text in props.items():
            prop = self.prop(object_type, name)
            if prop is None:
                problems.append(
                    Problem(
                        "PROPERTY_DOESNT_EXIST", name, f'Property "{name}" does not exist', text
                    )
                )
                continue
            if prop.read_only and name != "hs_object_id":
                problems.append(
                    Problem(
                        "READ_ONLY_VALUE",
                        name,
                        f"{name} is a read only property; its value cannot be set.",
                        text,
                    )
                )
                continue
            if name == "hs_object_id":
                continue  # HubSpot ignores it in a write body; the id comes from the path/id
            try:
                clean[name] = normalize(prop, text)
            except ValueError as exc:
                problems.append(exc.args[0])
        if problems:
            raise invalid_properties(problems)
        self._check_unique(object_type, clean, target)
        return clean

    def _check_unique(
        self, object_type: str, values: dict[str, str], target: CrmObject | None
    ) -> None:
        for name in self.unique_props(object_type):
            value = values.get(name)
            if not value:
                continue
            other_id = self._index(object_type, name).get(_unique_key(name, value))
            if other_id is not None and (target is None or other_id != target.id):
                if object_type == "contacts" and name == "email":
                    # Exact text HubSpot answers a duplicate email with (FACTS.md).
                    raise conflict(f"Contact already exists. Existing ID: {other_id}")
                raise conflict(
                    f"A {object_type[:-1]} with {name} '{value}' already "
                    f"exists. Existing ID: {other_id}"
                )

    # ---- writes ----------------------------------------------------------------------------
    def create(self, object_type: str, values: dict[str, str], now: datetime) -> CrmObject:
        """Creates a record from already checked values."""
        ident = str(self.next_id)
        self.next_id += 1
        record = CrmObject(ident, object_type, {}, now, now, now + self.search_delay)
        record.properties["createdate"] = values.get("createdate") or iso(now)
        self._apply(record, values, now)
        self.objects[object_type][ident] = record
        return record

    def update(self, record: CrmObject, values: dict[str, str], now: datetime) -> None:
        self._apply(record, values, now)

    def _apply(self, record: CrmObject, values: dict[str, str], now: datetime) -> None:
        unique = [n for n in self.unique_props(record.type) if n in values]
        self._unindex(record, unique)
        record.properties.update(values)
        self._reindex(record, unique)
        record.properties["hs_object_id"] = record.id
        stamp = iso(now)
        record.properties["hs_lastmodifieddate"] = stamp
        if record.type == "contacts":
            record.properties["lastmodifieddate"] = stamp
        if record.type == "deals":
            # Calculated by HubSpot from the stage (closedwon/closedlost in the default pipeline).
            stage = record.properties.get("dealstage", "")
            record.properties["hs_is_closed"] = str(stage in ("closedwon", "closedlost")).lower()
            record.properties["hs_is_closed_won"] = str(stage == "closedwon").lower()
        record.updated_at = now

    def archive(self, record: CrmObject, now: datetime) -> None:
        self._unindex(record, self.unique_props(record.type))
        record.archived = True
        record.archived_at = now
        record.updated_at = now
        self.associations.remove_object(record.type, record.id)

    def purge(self, record: CrmObject) -> None:
        """GDPR delete: the record and its associations are gone for good."""
        self.associations.remove_object(record.type, record.id)
        self._unindex(record, self.unique_props(record.type))
        del self.objects[record.type][record.id]

    # ---- rendering -------------------------------------------------------------------------
    def render(self, record: CrmObject, requested: Iterable[str] | None) -> JsonDict:
        """A record with the properties a read returns: the asked-for ones (null when unset;
        unknown names ignored, as HubSpot does) or the type's defaults, plus the system ones."""
        names = list(requested) if requested is not None else list(DEFAULT_READ[record.type])
        names += [n for n in ALWAYS[record.type] if n not in names]
        out = record.base()
        out["properties"] = {
            n: record.properties.get(n) for n in names if self.prop(record.type, n) is not None
        }
        return out

    def render_write(self, record: CrmObject, written: Iterable[str]) -> JsonDict:
        """A record as write responses show it: the written properties plus the system ones."""
        names = [n for n in written if n in record.properties]
        names += [n for n in ALWAYS[record.type] if n not in names]
        out = record.base()
        out["properties"] = {n: record.properties.get(n) for n in names}
        return out

    def snapshot(self) -> JsonDict:
        return {
            "objects": {
                t: [{**r.base(), "properties": dict(r.properties)} for r in recs.values()]
                for t, recs in self.objects.items()
            },
            "properties": {
                t: [p.to_json() for p in props.values() if not p.hubspot_defined]
                for t, props in self.properties.items()
            },
            "propertyGroups": {t: list(g.values()) for t, g in self.groups.items()},
            "associations": self.associations.snapshot(),
            "associationLabels": self.associations.labels_snapshot(),
        }


def _unique_key(name: str, value: str) -> str:
    # HubSpot matches emails case-insensitively; other unique values compare exactly.
    return value.lower() if name == "email" else value


def not_found_in_batch(object_type: str, missing: list[str]) -> ApiError:
    """The one 207 entry HubSpot uses for all the ids a batch could not find."""
    return ApiError(
        404,
        f"Could not get some {SINGULAR[object_type].upper()} objects, they may be deleted or not "
        "exist. Check that ids are valid.",
        "OBJECT_NOT_FOUND",
        context={"ids": missing},
    )
