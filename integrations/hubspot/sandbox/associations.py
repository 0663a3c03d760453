"""Associations v4: HubSpot-defined and user-defined association types, and the links.

Association types are one-directional; each has an inverse (contact→company 279 ↔
company→contact 280). Writing one direction writes the inverse too, as HubSpot does.
https://developers.hubspot.com/docs/guides/api/crm/associations/associations-v4
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import JsonDict, conflict, validation_error

OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3"}
SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal"}


@dataclass(frozen=True)
class AssocType:
    from_type: str
    to_type: str
    type_id: int
    label: str | None
    category: str  # HUBSPOT_DEFINED or USER_DEFINED
    inverse_id: int
    name: str

    def spec(self) -> JsonDict:
        """AssociationSpecWithLabel: what labels/list and batch/read return."""
        return {"category": self.category, "typeId": self.type_id, "label": self.label}

    def association_spec(self) -> JsonDict:
        """AssociationSpec: what default-association results carry."""
        return {"associationCategory": self.category, "associationTypeId": self.type_id}


def _hs(frm: str, to: str, type_id: int, inverse: int, label: str | None, name: str) -> AssocType:
    return AssocType(frm, to, type_id, label, "HUBSPOT_DEFINED", inverse, name)


# Built-in type ids (FACTS.md, "Identity"): contact→company 279 (primary 1), company→contact 280,
# deal→contact 3, contact→deal 4, deal→company 341 (primary 5). The names are the v3 ``type``
# strings that GET …/{id}?associations= reports.
# https://developers.hubspot.com/docs/guides/api/crm/associations/associations-v4#association-type-id-values
BUILTIN_TYPES = [
    _hs("contacts", "companies", 279, 280, None, "contact_to_company_unlabeled"),
    _hs("companies", "contacts", 280, 279, None, "company_to_contact_unlabeled"),
    _hs("contacts", "companies", 1, 2, "Primary", "contact_to_company"),
    _hs("companies", "contacts", 2, 1, "Primary", "company_to_contact"),
    _hs("deals", "contacts", 3, 4, None, "deal_to_contact"),
    _hs("contacts", "deals", 4, 3, None, "contact_to_deal"),
    _hs("deals", "companies", 341, 342, None, "deal_to_company_unlabeled"),
    _hs("companies", "deals", 342, 341, None, "company_to_deal_unlabeled"),
    _hs("deals", "companies", 5, 6, "Primary", "deal_to_company"),
    _hs("companies", "deals", 6, 5, "Primary", "company_to_deal"),
]

# Key of one direction of links: (from_type, from_id, to_type).
LinkKey = tuple[str, str, str]


class AssociationStore:
    """Types and links. Not thread-safe by itself: the server holds its one lock around calls."""

    def __init__(self) -> None:
        self.types: dict[tuple[str, str, int], AssocType] = {}
        self.links: dict[LinkKey, dict[str, set[int]]] = {}
        # User-defined type ids: HubSpot hands out small integers per portal.
        self._next_type_id = 100
        for t in BUILTIN_TYPES:
            self.types[(t.from_type, t.to_type, t.type_id)] = t

    # ---- types -----------------------------------------------------------------------------
    def list_types(self, frm: str, to: str) -> list[AssocType]:
        return [t for (f, o, _), t in self.types.items() if (f, o) == (frm, to)]

    def default_type(self, frm: str, to: str) -> AssocType:
        for t in self.list_types(frm, to):
            if t.category == "HUBSPOT_DEFINED" and t.label is None:
                return t
        raise validation_error(f"No default association type from {frm} to {to}.")

    def get_type(self, frm: str, to: str, type_id: int, category: str | None = None) -> AssocType:
        found = self.types.get((frm, to, type_id))
        if found is None or (category is not None and category != found.category):
            raise validation_error(
                f"association type id {type_id} ({category}) does not exist between "
                f"{SINGULAR[frm]} and {SINGULAR[to]}",
                sub_category="crm.associations.INVALID_ASSOCIATION_TYPE",
            )
        return found

    def define_label(self, frm: str, to: str, body: JsonDict) -> list[AssocType]:
        """POST /crm/v4/associations/{from}/{to}/labels: a label, and its inverse direction."""
        name, label = body.get("name"), body.get("label")
        if not isinstance(name, str) or not name or not isinstance(label, str) or not label:
            raise validation_error("Both 'name' and 'label' are required.")
        if any(t.name == name for t in self.list_types(frm, to)):
            raise conflict(
                f"An association label named {name} already exists between "
                f"{SINGULAR[frm]} and {SINGULAR[to]}."
            )
        inverse_label = body.get("inverseLabel")
        forward_id, inverse_id = self._next_type_id, self._next_type_id + 1
        self._next_type_id += 2
        forward = AssocType(frm, to, forward_id, label, "USER_DEFINED", inverse_id, name)
        inverse = AssocType(
            to,
            frm,
            inverse_id,
            str(inverse_label or label),
            "USER_DEFINED",
            forward_id,
            f"{name}_inverse",
        )
        self.types[(frm, to, forward_id)] = forward
        self.types[(to, frm, inverse_id)] = inverse
        # The response lists the inverse too only when it is a distinct, named label.
        return [forward, inverse] if inverse_label else [forward]

    # ---- links -----------------------------------------------------------------------------
    def add(self, frm: str, from_id: str, to: str, to_id: str, kind: AssocType) -> None:
        self.links.setdefault((frm, from_id, to), {}).setdefault(to_id, set()).add(kind.type_id)
        self.links.setdefault((to, to_id, frm), {}).setdefault(from_id, set()).add(kind.inverse_id)

    def remove_pair(self, frm: str, from_id: str, to: str, to_id: str) -> None:
        self.links.get((frm, from_id, to), {}).pop(to_id, None)
        self.links.get((to, to_id, frm), {}).pop(from_id, None)

    def remove_object(self, object_type: str, object_id: str) -> None:
        """Drops every link of an archived or GDPR-deleted record, both directions."""
        for key in [k for k in self.links if k[0] == object_type and k[1] == object_id]:
            for other_id in list(self.links[key]):
                self.remove_pair(object_type, object_id, key[2], other_id)
            del self.links[key]

    def types_between(self, frm: str, from_id: str, to: str, to_id: str) -> list[AssocType]:
        ids = sorted(self.links.get((frm, from_id, to), {}).get(to_id, set()))
        return [self.types[(frm, to, i)] for i in ids if (frm, to, i) in self.types]

    def labels_between(self, frm: str, from_id: str, to: str, to_id: str) -> JsonDict:
        """LabelsBetweenObjectPair; ids are numbers in HubSpot's answers (the client casts)."""
        labels = [t.label for t in self.types_between(frm, from_id, to, to_id) if t.label]
        return {
            "fromObjectTypeId": OBJECT_TYPE_IDS[frm],
            "fromObjectId": int(from_id),
            "toObjectTypeId": OBJECT_TYPE_IDS[to],
            "toObjectId": int(to_id),
            "labels": labels,
        }

    def targets(self, frm: str, from_id: str, to: str) -> list[tuple[str, list[AssocType]]]:
        out = []
        for to_id, ids in sorted(
            self.links.get((frm, from_id, to), {}).items(), key=lambda kv: int(kv[0])
        ):
            if ids:
                out.append(
                    (
                        to_id,
                        [
                            self.types[(frm, to, i)]
                            for i in sorted(ids)
                            if (frm, to, i) in self.types
                        ],
                    )
                )
        return out

    def snapshot(self) -> list[JsonDict]:
        rows = []
        for (frm, from_id, to), targets in self.links.items():
            for to_id, ids in targets.items():
                for i in sorted(ids):
                    rows.append(
                        {
                            "fromObjectType": frm,
                            "fromObjectId": from_id,
                            "toObjectType": to,
                            "toObjectId": to_id,
                            "typeId": i,
                        }
                    )
        return rows

    def labels_snapshot(self) -> list[JsonDict]:
        return [
            {"fromObjectType": t.from_type, "toObjectType": t.to_type, "name": t.name, **t.spec()}
            for t in self.types.values()
            if t.category == "USER_DEFINED"
        ]


def parse_specs(raw: object) -> list[tuple[str | None, int]]:
    """A list of AssociationSpec (``associationCategory``, ``associationTypeId``)."""
    if not isinstance(raw, list) or not raw:
        raise validation_error("Expected a non-empty list of association specs.")
    out: list[tuple[str | None, int]] = []
    for spec in raw:
        if not isinstance(spec, dict) or "associationTypeId" not in spec:
            raise validation_error(
                "Each association spec needs associationTypeId and associationCategory."
            )
        try:
            type_id = int(spec["associationTypeId"])
        except (TypeError, ValueError) as exc:
            raise validation_error("associationTypeId must be an integer.") from exc
        category = spec.get("associationCategory")
        out.append((str(category) if category is not None else None, type_id))
    return out


def check_specs(
    store: AssociationStore, frm: str, to: str, specs: list[tuple[str | None, int]]
) -> list[AssocType]:
    """The types named by ``specs``; 400 if one is not defined for this direction."""
    return [store.get_type(frm, to, type_id, category) for category, type_id in specs]
