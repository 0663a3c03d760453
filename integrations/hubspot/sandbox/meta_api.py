"""Properties v3 (groups and definitions) and associations v4 endpoints.

Properties: https://developers.hubspot.com/docs/guides/api/crm/properties
Associations v4: https://developers.hubspot.com/docs/guides/api/crm/associations/associations-v4
"""

from __future__ import annotations

from .associations import SINGULAR, AssocType, check_specs, parse_specs
from .errors import ApiError, JsonDict, conflict, not_found, validation_error
from .objects_api import batch_reply
from .properties import parse_options_update, parse_property_create
from .routing import Call, Reply, Router
from .store import Store, resolve_type

MAX_ASSOCIATION_READ = 1000  # "Association batch read: 1,000 inputs" (FACTS.md)


# ---- properties ----------------------------------------------------------------------------
def create_group(call: Call) -> Reply:
    """POST /crm/v3/properties/{type}/groups → 201 PropertyGroup; 409 if the name is taken."""
    store, kind = call.store, resolve_type(call.params["type"])
    body = call.json_object()
    name, label = body.get("name"), body.get("label")
    if not isinstance(name, str) or not name or not isinstance(label, str) or not label:
        raise validation_error("Property groups need a 'name' and a 'label'.")
    if name in store.groups[kind]:
        raise conflict(
            f"A property group named '{name}' already exists.", category="OBJECT_ALREADY_EXISTS"
        )
    group = {
        "name": name,
        "label": label,
        "displayOrder": int(body.get("displayOrder", -1)),
        "archived": False,
    }
    store.groups[kind][name] = group
    return Reply(201, dict(group))


def list_groups(call: Call) -> Reply:
    kind = resolve_type(call.params["type"])
    return Reply(200, {"results": [dict(g) for g in call.store.groups[kind].values()]})


def get_group(call: Call) -> Reply:
    kind = resolve_type(call.params["type"])
    group = call.store.groups[kind].get(call.params["name"])
    if group is None:
        raise not_found(f"Unable to find property group {call.params['name']}")
    return Reply(200, dict(group))


def create_property(call: Call) -> Reply:
    """POST /crm/v3/properties/{type} → 201 Property; 409 OBJECT_ALREADY_EXISTS on a duplicate."""
    store, kind = call.store, resolve_type(call.params["type"])
    prop = parse_property_create(call.body, set(store.groups[kind]), call.now)
    if prop.name in store.properties[kind]:
        raise conflict(
            f"Property named '{prop.name}' already exists.", category="OBJECT_ALREADY_EXISTS"
        )
    store.properties[kind][prop.name] = prop
    store.invalidate_indexes()
    return Reply(201, prop.to_json())


def list_properties(call: Call) -> Reply:
    kind = resolve_type(call.params["type"])
    return Reply(200, {"results": [p.to_json() for p in call.store.properties[kind].values()]})


def get_property(call: Call) -> Reply:
    kind = resolve_type(call.params["type"])
    prop = call.store.prop(kind, call.params["name"])
    if prop is None:
        raise not_found(f"Unable to find property {call.params['name']} on {kind}")
    return Reply(200, prop.to_json())


def update_property(call: Call) -> Reply:
    """PATCH /crm/v3/properties/{type}/{name} → 200: label, description, group, options..."""
    store, kind = call.store, resolve_type(call.params["type"])
    prop = store.prop(kind, call.params["name"])
    if prop is None:
        raise not_found(f"Unable to find property {call.params['name']} on {kind}")
    body = call.json_object()
    if "groupName" in body and body["groupName"] not in store.groups[kind]:
        raise validation_error(f"Unable to find property group {body['groupName']}")
    if "options" in body:
        prop.options = parse_options_update(prop.type, body["options"])
    for key, attr in (
        ("label", "label"),
        ("description", "description"),
        ("groupName", "group_name"),
    ):
        if key in body:
            setattr(prop, attr, str(body[key]))
    for key, attr in (("hidden", "hidden"), ("formField", "form_field")):
        if key in body:
            setattr(prop, attr, bool(body[key]))
    prop.updated_at = call.now
    return Reply(200, prop.to_json())


def archive_property(call: Call) -> Reply:
    store, kind = call.store, resolve_type(call.params["type"])
    prop = store.prop(kind, call.params["name"])
    if prop is None:
        raise not_found(f"Unable to find property {call.params['name']} on {kind}")
    if prop.hubspot_defined:
        raise validation_error(f"{prop.name} is HubSpot-defined and cannot be archived.")
    del store.properties[kind][prop.name]
    store.invalidate_indexes()
    return Reply(204)


# ---- associations v4 -----------------------------------------------------------------------
def _existing(store: Store, kind: str, ident: str) -> str:
    if store.find(kind, ident) is None:
        raise not_found(f"{SINGULAR[kind].title()} {ident} does not exist.")
    return ident


def _pair(call: Call) -> tuple[str, str]:
    frm = call.params.get("from") or call.params["type"]
    return resolve_type(frm), resolve_type(call.params["to"])


def default_one(call: Call) -> Reply:
    """PUT /crm/v4/objects/{from}/{id}/associations/default/{to}/{toId} → 200."""
    store, (frm, to) = call.store, _pair(call)
    from_id = _existing(store, frm, call.params["id"])
    to_id = _existing(store, to, call.params["toId"])
    kind = store.associations.default_type(frm, to)
    store.associations.add(frm, from_id, to, to_id, kind)
    return batch_reply(200, call.now, [_default_result(from_id, to_id, kind)], [])


def _default_result(from_id: str, to_id: str, kind: AssocType) -> JsonDict:
    return {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "associationSpec": kind.association_spec(),
    }


def labelled_one(call: Call) -> Reply:
    """PUT /crm/v4/objects/{from}/{id}/associations/{to}/{toId}, body: [AssociationSpec] → 201."""
    store, (frm, to) = call.store, _pair(call)
    kinds = check_specs(store.associations, frm, to, parse_specs(call.body))
    from_id = _existing(store, frm, call.params["id"])
    to_id = _existing(store, to, call.params["toId"])
    for kind in kinds:
        store.associations.add(frm, from_id, to, to_id, kind)
    return Reply(201, store.associations.labels_between(frm, from_id, to, to_id))


def list_one(call: Call) -> Reply:
    """GET /crm/v4/objects/{from}/{id}/associations/{to} → 200 (every target on one page)."""
    store, (frm, to) = call.store, _pair(call)
    from_id = _existing(store, frm, call.params["id"])
    return Reply(200, {"results": _targets(store, frm, from_id, to)})


def _targets(store: Store, frm: str, from_id: str, to: str) -> list[JsonDict]:
    return [
        {"toObjectId": int(to_id), "associationTypes": [k.spec() for k in kinds]}
        for to_id, kinds in store.associations.targets(frm, from_id, to)
    ]


def remove_one(call: Call) -> Reply:
    """DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId} → 204."""
    frm, to = _pair(call)
    call.store.associations.remove_pair(frm, call.params["id"], to, call.params["toId"])
    return Reply(204)


def _ends(item: JsonDict) -> tuple[str, str]:
    try:
        return str(item["from"]["id"]), str(item["to"]["id"])
    except (KeyError, TypeError) as exc:
        raise validation_error("Each input needs from.id and to.id.") from exc


def batch_create(call: Call) -> Reply:
    """POST /crm/v4/associations/{from}/{to}/batch/create → 201, 207 for failed inputs."""
    store, (frm, to) = call.store, _pair(call)
    results, errors = [], []
    for item in call.inputs():
        from_id, to_id = _ends(item)
        specs = parse_specs(item.get("types"))
        try:
            kinds = check_specs(store.associations, frm, to, specs)
            _existing(store, frm, from_id)
            _existing(store, to, to_id)
        except ApiError as exc:
            errors.append(exc.standard_error({"fromObjectId": [from_id], "toObjectId": [to_id]}))
            continue
        for kind in kinds:
            store.associations.add(frm, from_id, to, to_id, kind)
        results.append(store.associations.labels_between(frm, from_id, to, to_id))
    return batch_reply(201, call.now, results, errors)


def batch_default(call: Call) -> Reply:
    """POST /crm/v4/associations/{from}/{to}/batch/associate/default → 200."""
    store, (frm, to) = call.store, _pair(call)
    kind = store.associations.default_type(frm, to)
    results, errors = [], []
    for item in call.inputs():
        from_id, to_id = _ends(item)
        try:
            _existing(store, frm, from_id)
            _existing(store, to, to_id)
        except ApiError as exc:
            errors.append(exc.standard_error({"fromObjectId": [from_id], "toObjectId": [to_id]}))
            continue
        store.associations.add(frm, from_id, to, to_id, kind)
        results.append(_default_result(from_id, to_id, kind))
    reply = batch_reply(200, call.now, results, errors)
    # Client 12 maps only 200 for this call (its model carries numErrors/errors itself); a 207
    # would deserialize to None, so failures stay in a 200.
    return Reply(200, reply.body)


def batch_read(call: Call) -> Reply:
    """POST /crm/v4/associations/{from}/{to}/batch/read → 200; 207 for ids with no links."""
    store, (frm, to) = call.store, _pair(call)
    results, errors = [], []
    for item in call.inputs(MAX_ASSOCIATION_READ):
        from_id = str(item.get("id", ""))
        targets = _targets(store, frm, from_id, to)
        if targets:
            results.append({"from": {"id": from_id}, "to": targets})
        else:
            errors.append(
                ApiError(
                    404,
                    f"No {SINGULAR[to]} is associated with {SINGULAR[frm]} {from_id}.",
                    "OBJECT_NOT_FOUND",
                    sub_category="crm.associations.NO_ASSOCIATIONS_FOUND",
                ).standard_error({"fromObjectId": [from_id]})
            )
    return batch_reply(200, call.now, results, errors)


def batch_archive(call: Call) -> Reply:
    """POST /crm/v4/associations/{from}/{to}/batch/archive → 204."""
    store, (frm, to) = call.store, _pair(call)
    for item in call.inputs(2000):
        from_id = str((item.get("from") or {}).get("id", ""))
        for target in item.get("to") or []:
            store.associations.remove_pair(frm, from_id, to, str((target or {}).get("id", "")))
    return Reply(204)


def create_label(call: Call) -> Reply:
    """POST /crm/v4/associations/{from}/{to}/labels → 200 {"results": [spec with label]}."""
    store, (frm, to) = call.store, _pair(call)
    created = store.associations.define_label(frm, to, call.json_object())
    return Reply(200, {"results": [t.spec() for t in created]})


def list_labels(call: Call) -> Reply:
    """GET /crm/v4/associations/{from}/{to}/labels → 200: HubSpot-defined and user labels."""
    frm, to = _pair(call)
    return Reply(200, {"results": [t.spec() for t in call.store.associations.list_types(frm, to)]})


def register(router: Router) -> None:
    props = "/crm/v3/properties/{type}"
    router.add("POST", f"{props}/groups", create_group)
    router.add("GET", f"{props}/groups", list_groups)
    router.add("GET", f"{props}/groups/{{name}}", get_group)
    router.add("POST", props, create_property)
    router.add("GET", props, list_properties)
    router.add("GET", f"{props}/{{name}}", get_property)
    router.add("PATCH", f"{props}/{{name}}", update_property)
    router.add("DELETE", f"{props}/{{name}}", archive_property)

    one = "/crm/v4/objects/{from}/{id}/associations"
    router.add("PUT", f"{one}/default/{{to}}/{{toId}}", default_one)
    router.add("PUT", f"{one}/{{to}}/{{toId}}", labelled_one)
    router.add("DELETE", f"{one}/{{to}}/{{toId}}", remove_one)
    router.add("GET", f"{one}/{{to}}", list_one)

    pair = "/crm/v4/associations/{from}/{to}"
    router.add("POST", f"{pair}/batch/create", batch_create)
    router.add("POST", f"{pair}/batch/associate/default", batch_default)
    router.add("POST", f"{pair}/batch/read", batch_read)
    router.add("POST", f"{pair}/batch/archive", batch_archive)
    router.add("POST", f"{pair}/labels", create_label)
    router.add("GET", f"{pair}/labels", list_labels)
