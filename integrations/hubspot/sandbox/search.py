"""POST /crm/v3/objects/{type}/search: filter groups, sorts, query, paging.

Filters inside a group are ANDed, groups are ORed. Limits: ``limit`` up to 200, at most 5
filter groups and 25 filters, at most 10,000 results reachable by paging (FACTS.md).
https://developers.hubspot.com/docs/guides/api/crm/search
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from .errors import JsonDict, validation_error
from .properties import PropertyDef, sort_key
from .routing import Call, Reply, Router
from .store import CrmObject, Store, resolve_type

MAX_LIMIT = 200
MAX_GROUPS = 5
MAX_FILTERS = 25
MAX_RESULTS = 10_000
DEFAULT_LIMIT = 10
# Properties the free-text ``query`` looks in, per HubSpot's search guide.
QUERY_PROPS = {
    "contacts": ["firstname", "lastname", "email", "phone", "company"],
    "companies": ["name", "domain", "website", "phone"],
    "deals": ["dealname"],
}
OPERATORS = {
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
}
_TOKENS = re.compile(r"[\w@.+-]+")


def search(call: Call) -> Reply:
    store, kind = call.store, resolve_type(call.params["type"])
    body = call.json_object()
    limit = _int(body.get("limit", DEFAULT_LIMIT), "limit")
    if not 0 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
    offset = _int(body.get("after") or 0, "after")
    if offset >= MAX_RESULTS:
        raise validation_error(
            f"Search paging is limited to {MAX_RESULTS} results; after={offset} is past it."
        )
    groups = _parse_groups(store, kind, body.get("filterGroups") or [])
    sorts = _parse_sorts(store, kind, body.get("sorts") or [])
    query = str(body.get("query") or "").strip().lower()

    # Records become searchable a moment after they are written (HubSpot: seconds).
    candidates = [r for r in store.live(kind) if r.searchable_at <= call.now]
    matched = [
        r
        for r in candidates
        if (not groups or any(all(_test(store, r, f) for f in g) for g in groups))
        and (not query or _query_hit(r, kind, query))
    ]
    matched.sort(key=lambda r: int(r.id))
    for name, descending in reversed(sorts):  # stable sorts: last key first
        matched.sort(key=_sorter(store.prop(kind, name), name), reverse=descending)
    total = len(matched)
    reachable = min(total, MAX_RESULTS)
    page = matched[offset : min(offset + limit, reachable)]
    names = body.get("properties")
    requested = [str(n) for n in names] if isinstance(names, list) and names else None
    out: JsonDict = {"total": total, "results": [store.render(r, requested) for r in page]}
    if offset + limit < reachable:
        out["paging"] = {"next": {"after": str(offset + limit)}}
    return Reply(200, out)


def _sorter(prop: PropertyDef | None, name: str) -> Callable[[CrmObject], tuple[int, Any]]:
    return lambda record: sort_key(prop, record.properties.get(name))


def _int(raw: Any, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise validation_error(f"{name} must be an integer, got {raw!r}") from exc


def _parse_groups(store: Store, kind: str, raw: Any) -> list[list[JsonDict]]:
    if not isinstance(raw, list):
        raise validation_error("filterGroups must be a list")
    if len(raw) > MAX_GROUPS:
        raise validation_error(f"Too many filter groups: {len(raw)} (max {MAX_GROUPS})")
    groups: list[list[JsonDict]] = []
    count = 0
    for group in raw:
        filters = (group or {}).get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise validation_error("Each filter group needs a 'filters' list")
        count += len(filters)
        for f in filters:
            _check_filter(store, kind, f)
        groups.append(filters)
    if count > MAX_FILTERS:
        raise validation_error(f"Too many filters: {count} (max {MAX_FILTERS})")
    return groups


def _check_filter(store: Store, kind: str, f: Any) -> None:
    if not isinstance(f, dict) or "propertyName" not in f or "operator" not in f:
        raise validation_error("Each filter needs propertyName and operator")
    op = f["operator"]
    if op not in OPERATORS:
        raise validation_error(f"Unknown filter operator {op}")
    if store.prop(kind, str(f["propertyName"])) is None:
        raise validation_error(
            f'Property "{f["propertyName"]}" does not exist on {kind}',
            sub_category="PROPERTY_DOESNT_EXIST",
        )
    if op in ("IN", "NOT_IN") and not isinstance(f.get("values"), list):
        raise validation_error(f"Operator {op} needs 'values' (a list)")
    if op == "BETWEEN" and (f.get("value") is None or f.get("highValue") is None):
        raise validation_error("Operator BETWEEN needs 'value' and 'highValue'")
    if (
        op in ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
        and f.get("value") is None
    ):
        raise validation_error(f"Operator {op} needs a 'value'")


def _parse_sorts(store: Store, kind: str, raw: Any) -> list[tuple[str, bool]]:
    """Sorts come as ``[{"propertyName", "direction"}]`` or as strings (``"-createdate"``)."""
    if not isinstance(raw, list):
        raise validation_error("sorts must be a list")
    out = []
    for item in raw:
        if isinstance(item, dict):
            name = str(item.get("propertyName", ""))
            descending = str(item.get("direction", "ASCENDING")).upper() == "DESCENDING"
        else:
            text = str(item)
            descending = text.startswith("-")
            name = text.lstrip("-")
        if store.prop(kind, name) is None:
            raise validation_error(f'Cannot sort on unknown property "{name}"')
        out.append((name, descending))
    return out


def _test(store: Store, record: CrmObject, f: JsonDict) -> bool:
    name, op = str(f["propertyName"]), str(f["operator"])
    prop = store.prop(record.type, name)
    value = record.properties.get(name) or None
    if op == "HAS_PROPERTY":
        return value is not None
    if op == "NOT_HAS_PROPERTY":
        return value is None
    if op in ("IN", "NOT_IN"):
        inside = value is not None and any(_eq(prop, value, str(v)) for v in f["values"])
        return inside if op == "IN" else not inside
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        hit = value is not None and _token_hit(value, str(f["value"]))
        return hit if op == "CONTAINS_TOKEN" else not hit
    wanted = _text(f["value"])
    if op == "EQ":
        return value is not None and _eq(prop, value, wanted)
    if op == "NEQ":
        return value is None or not _eq(prop, value, wanted)
    if value is None:
        return False
    mine, theirs = sort_key(prop, value), sort_key(prop, wanted)
    if mine[0] != theirs[0]:  # e.g. a number compared with text: compare as text
        mine, theirs = (2, value.lower()), (2, wanted.lower())
    if op == "BETWEEN":
        high = sort_key(prop, _text(f["highValue"]))
        return bool(theirs <= mine <= high)
    return bool(
        {"GT": mine > theirs, "GTE": mine >= theirs, "LT": mine < theirs, "LTE": mine <= theirs}[op]
    )


def _text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _eq(prop: PropertyDef | None, value: str, wanted: str) -> bool:
    return sort_key(prop, value) == sort_key(prop, wanted)


def _token_hit(value: str, pattern: str) -> bool:
    pattern = pattern.lower()
    tokens = [value.lower(), *_TOKENS.findall(value.lower())]
    return any(fnmatch.fnmatchcase(t, pattern) for t in tokens)


def _query_hit(record: CrmObject, kind: str, query: str) -> bool:
    for name in QUERY_PROPS[kind]:
        value = (record.properties.get(name) or "").lower()
        if query in value:
            return True
    return False


def register(router: Router) -> None:
    router.add("POST", "/crm/v3/objects/{type}/search", search)
