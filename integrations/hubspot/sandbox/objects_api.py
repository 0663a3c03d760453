"""CRM objects v3 endpoints: batch upsert/create/update/read/archive, single record CRUD,
list paging and GDPR delete. Success statuses are exactly the ones hubspot-api-client 12
expects (it silently returns None on any other 2xx).
https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from .errors import ApiError, JsonDict, not_found, validation_error
from .properties import iso
from .routing import Call, Reply, Router
from .store import CrmObject, Store, coerce_properties, not_found_in_batch, resolve_type

MAX_LIST_LIMIT = 100


def batch_reply(
    ok_status: int, started: datetime, results: list[JsonDict], errors: list[JsonDict]
) -> Reply:
    """``{"status":"COMPLETE","results",...}``; 207 with numErrors/errors when any input failed."""
    body: JsonDict = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso(started),
        "completedAt": iso(started),
    }
    if errors:
        body["numErrors"] = len(errors)
        body["errors"] = errors
        return Reply(207, body)
    return Reply(ok_status, body)


def _trace_ids_unique(inputs: list[JsonDict]) -> bool:
    # HubSpot reports per-input errors of a batch create only when every input carries its own
    # objectWriteTraceId (FACTS.md); otherwise one bad input fails the whole request.
    traces = [i.get("objectWriteTraceId") for i in inputs]
    return all(isinstance(t, str) and t for t in traces) and len(set(traces)) == len(traces)


def _context(item: JsonDict, ident: str | None) -> dict[str, list[str]]:
    trace = item.get("objectWriteTraceId")
    if isinstance(trace, str) and trace:
        return {"objectWriteTraceId": [trace]}
    return {"ids": [ident]} if ident is not None else {}


def _run_batch(
    store: Store,
    inputs: list[JsonDict],
    per_input: bool,
    one: Callable[[JsonDict], JsonDict],
    ident: Callable[[JsonDict], str | None],
) -> tuple[list[JsonDict], list[JsonDict]]:
    """Applies ``one`` to each input. Per-input mode collects failures as 207 entries and keeps
    the successful writes; otherwise the first failure rolls everything back and fails the call."""
    results: list[JsonDict] = []
    errors: list[JsonDict] = []
    saved = None if per_input else _checkpoint(store)
    for item in inputs:
        try:
            results.append(one(item))
        except ApiError as exc:
            if saved is not None:
                _restore(store, saved)
                raise
            errors.append(exc.standard_error(_context(item, ident(item))))
    return results, errors


def _checkpoint(store: Store) -> tuple[Any, ...]:
    return (copy.deepcopy(store.objects), store.next_id, copy.deepcopy(store.associations.links))


def _restore(store: Store, saved: tuple[Any, ...]) -> None:
    store.objects, store.next_id, store.associations.links = saved
    store.invalidate_indexes()


def _id_of(item: JsonDict) -> str:
    raw = item.get("id")
    if raw is None or isinstance(raw, dict | list) or str(raw) == "":
        raise validation_error("Each input needs an 'id'.")
    return str(raw)


def _no_duplicates(ids: list[str]) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise validation_error(f"Duplicate IDs found in batch input: {dupes}")


def _with_trace(result: JsonDict, item: JsonDict) -> JsonDict:
    trace = item.get("objectWriteTraceId")
    if isinstance(trace, str) and trace:
        result["objectWriteTraceId"] = trace
    return result


# ---- batch ---------------------------------------------------------------------------------
def batch_upsert(call: Call) -> Reply:
    """POST …/batch/upsert → 200 (or 207). Contacts by email; others by a unique property."""
    store, kind = call.store, resolve_type(call.params["type"])
    inputs = call.inputs()
    default_id_prop = call.q("idProperty")
    plans: list[tuple[JsonDict, str, str, dict[str, str]]] = []
    for item in inputs:  # request-level checks first: they fail the whole call
        id_prop = store.check_id_property(kind, item.get("idProperty") or default_id_prop)
        plans.append((item, id_prop, _id_of(item), coerce_properties(item.get("properties"))))
    _no_duplicates([f"{p[1]}:{p[2]}" for p in plans])
    by_item = {id(p[0]): p for p in plans}

    def one(item: JsonDict) -> JsonDict:
        _, id_prop, ident, props = by_item[id(item)]
        target = store.find(kind, ident, id_prop)
        if target is None:
            if id_prop == "hs_object_id":
                raise not_found(f"Object {ident} does not exist and cannot be created by id.")
            values = store.check_values(kind, {**props, id_prop: ident}, None)
            record = store.create(kind, values, call.now)
        else:
            values = store.check_values(kind, props, target)
            store.update(target, values, call.now)
            record = target
        out = store.render_write(record, [*props, id_prop])
        out["new"] = target is None
        return _with_trace(out, item)

    per_input = not store.all_or_nothing_batches or _trace_ids_unique(inputs)
    results, errors = _run_batch(store, inputs, per_input, one, lambda i: str(i.get("id")))
    return batch_reply(200, call.now, results, errors)


def batch_create(call: Call) -> Reply:
    """POST …/batch/create → 201 (207 only with unique objectWriteTraceIds)."""
    store, kind = call.store, resolve_type(call.params["type"])
    inputs = call.inputs()
    props_of = {id(i): coerce_properties(i.get("properties")) for i in inputs}

    def one(item: JsonDict) -> JsonDict:
        values = store.check_values(kind, props_of[id(item)], None)
        links = _parse_create_associations(store, kind, item.get("associations"))
        record = store.create(kind, values, call.now)
        for to_type, to_id, assoc in links:
            store.associations.add(kind, record.id, to_type, to_id, assoc)
        return _with_trace(store.render_write(record, props_of[id(item)]), item)

    results, errors = _run_batch(store, inputs, _trace_ids_unique(inputs), one, lambda i: None)
    return batch_reply(201, call.now, results, errors)


def batch_update(call: Call) -> Reply:
    """POST …/batch/update → 200 (or 207). ``idProperty`` must be a unique property."""
    store, kind = call.store, resolve_type(call.params["type"])
    inputs = call.inputs()
    plans = {}
    for item in inputs:
        id_prop = store.check_id_property(kind, item.get("idProperty") or call.q("idProperty"))
        plans[id(item)] = (id_prop, _id_of(item), coerce_properties(item.get("properties")))
    _no_duplicates([f"{p[0]}:{p[1]}" for p in plans.values()])

    def one(item: JsonDict) -> JsonDict:
        id_prop, ident, props = plans[id(item)]
        target = store.find(kind, ident, id_prop)
        if target is None:
            raise not_found_in_batch(kind, [ident])
        store.update(target, store.check_values(kind, props, target), call.now)
        return _with_trace(store.render_write(target, props), item)

    per_input = not store.all_or_nothing_batches or _trace_ids_unique(inputs)
    results, errors = _run_batch(store, inputs, per_input, one, lambda i: str(i.get("id")))
    return batch_reply(200, call.now, results, errors)


def batch_read(call: Call) -> Reply:
    """POST …/batch/read → 200, or 207 with one OBJECT_NOT_FOUND entry for the missing ids."""
    store, kind = call.store, resolve_type(call.params["type"])
    body = call.json_object()
    inputs = call.inputs()
    id_prop = store.check_id_property(kind, body.get("idProperty"))
    requested = body.get("properties")
    names = [str(n) for n in requested] if isinstance(requested, list) and requested else None
    archived = call.q_bool("archived")
    results, missing, seen = [], [], set()
    for item in inputs:
        ident = _id_of(item)
        record = store.find(kind, ident, id_prop, archived=archived)
        if record is None:
            missing.append(ident)
        elif record.id not in seen:
            seen.add(record.id)
            results.append(store.render(record, names))
    errors = [not_found_in_batch(kind, missing).standard_error({})] if missing else []
    return batch_reply(200, call.now, results, errors)


def batch_archive(call: Call) -> Reply:
    """POST …/batch/archive → 204, whether or not the ids exist (as HubSpot answers)."""
    store, kind = call.store, resolve_type(call.params["type"])
    for item in call.inputs():
        record = store.find(kind, _id_of(item))
        if record is not None:
            store.archive(record, call.now)
    return Reply(204)


# ---- single records ------------------------------------------------------------------------
def _parse_create_associations(
    store: Store,
    kind: str,
    raw: Any,
) -> list[tuple[str, str, Any]]:
    """``associations`` of a create input: [{"to": {"id"}, "types": [AssociationSpec]}]."""
    if not raw:
        return []
    if not isinstance(raw, list):
        raise validation_error("'associations' must be a list.")
    out = []
    for entry in raw:
        to_id = str(((entry or {}).get("to") or {}).get("id", ""))
        for spec in (entry or {}).get("types") or []:
            type_id = int(spec.get("associationTypeId", -1))
            matches = [
                t for (f, _, i), t in store.associations.types.items() if f == kind and i == type_id
            ]
            if not matches:
                raise validation_error(
                    f"association type id {type_id} does not exist from {kind}",
                    sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
                )
            assoc = matches[0]
            if store.find(assoc.to_type, to_id) is None:
                raise validation_error(
                    f"{assoc.to_type[:-1]} {to_id} does not exist",
                    sub_category="crm.associations.INVALID_OBJECT_IDS",
                )
            out.append((assoc.to_type, to_id, assoc))
    return out


def create_one(call: Call) -> Reply:
    """POST /crm/v3/objects/{type} → 201; 409 on an existing contact email."""
    store, kind = call.store, resolve_type(call.params["type"])
    body = call.json_object()
    props = coerce_properties(body.get("properties"))
    values = store.check_values(kind, props, None)
    links = _parse_create_associations(store, kind, body.get("associations"))
    record = store.create(kind, values, call.now)
    for to_type, to_id, assoc in links:
        store.associations.add(kind, record.id, to_type, to_id, assoc)
    return Reply(201, store.render_write(record, props))


def _with_associations(
    store: Store, record: CrmObject, out: JsonDict, to_types: list[str] | None
) -> JsonDict:
    if not to_types:
        return out
    found: JsonDict = {}
    for raw in to_types:
        to_type = resolve_type(raw)
        rows = [
            {"id": to_id, "type": t.name}
            for to_id, kinds in store.associations.targets(record.type, record.id, to_type)
            for t in kinds
        ]
        if rows:
            found[to_type] = {"results": rows}
    if found:
        out["associations"] = found
    return out


def get_one(call: Call) -> Reply:
    """GET /crm/v3/objects/{type}/{id}?idProperty=&properties=&associations= → 200."""
    store, kind = call.store, resolve_type(call.params["type"])
    record = store.find(
        kind, call.params["id"], call.q("idProperty"), archived=call.q_bool("archived")
    )
    if record is None:
        raise not_found()
    out = store.render(record, call.q_list("properties"))
    return Reply(200, _with_associations(store, record, out, call.q_list("associations")))


def update_one(call: Call) -> Reply:
    """PATCH /crm/v3/objects/{type}/{id}?idProperty= → 200."""
    store, kind = call.store, resolve_type(call.params["type"])
    record = store.require(kind, call.params["id"], call.q("idProperty"))
    props = coerce_properties(call.json_object().get("properties"))
    store.update(record, store.check_values(kind, props, record), call.now)
    return Reply(200, store.render_write(record, props))


def archive_one(call: Call) -> Reply:
    """DELETE /crm/v3/objects/{type}/{id} → 204 (also for unknown ids)."""
    store, kind = call.store, resolve_type(call.params["type"])
    record = store.find(kind, call.params["id"])
    if record is not None:
        store.archive(record, call.now)
    return Reply(204)


def list_page(call: Call) -> Reply:
    """GET /crm/v3/objects/{type}?limit=&after=&properties=&archived= → 200, ordered by id.

    ``after`` is the cursor from ``paging.next.after`` (here: the next id to start from).
    """
    store, kind = call.store, resolve_type(call.params["type"])
    limit = _int_param(call.q("limit"), 10, "limit")
    limit = max(1, min(limit, MAX_LIST_LIMIT))  # HubSpot caps page size at 100
    after = _int_param(call.q("after"), 0, "after")
    archived = call.q_bool("archived")
    records = sorted(
        (r for r in store.objects[kind].values() if r.archived == archived and int(r.id) >= after),
        key=lambda r: int(r.id),
    )
    page = records[:limit]
    names = call.q_list("properties")
    to_types = call.q_list("associations")
    body: JsonDict = {
        "results": [_with_associations(store, r, store.render(r, names), to_types) for r in page]
    }
    if len(records) > limit:
        cursor = str(int(page[-1].id) + 1)
        body["paging"] = {
            "next": {
                "after": cursor,
                "link": f"{call.path}?after={cursor}&limit={limit}",
            }
        }
    return Reply(200, body)


def _int_param(raw: str | None, default: int, name: str) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise validation_error(f"{name} must be an integer, got {raw!r}") from exc


def gdpr_delete(call: Call) -> Reply:
    """POST /crm/v3/objects/contacts/gdpr-delete → 204; by id or ``idProperty`` (email).
    https://developers.hubspot.com/docs/guides/api/crm/objects/contacts#gdpr-delete"""
    store, kind = call.store, resolve_type(call.params["type"])
    if kind != "contacts":
        raise not_found(f"GDPR delete exists for contacts only, not {kind}.")
    body = call.json_object()
    ident = body.get("objectId")
    if ident is None or str(ident) == "":
        raise validation_error("'objectId' is required.")
    store.purge(store.require(kind, str(ident), body.get("idProperty")))
    return Reply(204)


def register(router: Router) -> None:
    base = "/crm/v3/objects/{type}"
    router.add("POST", f"{base}/batch/upsert", batch_upsert)
    router.add("POST", f"{base}/batch/create", batch_create)
    router.add("POST", f"{base}/batch/update", batch_update)
    router.add("POST", f"{base}/batch/read", batch_read)
    router.add("POST", f"{base}/batch/archive", batch_archive)
    router.add("POST", f"{base}/gdpr-delete", gdpr_delete)
    router.add("GET", base, list_page)
    router.add("POST", base, create_one)
    router.add("GET", f"{base}/{{id}}", get_one)
    router.add("PATCH", f"{base}/{{id}}", update_one)
    router.add("DELETE", f"{base}/{{id}}", archive_one)
