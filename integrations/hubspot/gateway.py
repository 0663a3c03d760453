"""`CrmGateway` over HubSpot: batch writes, association labels, reading changes, GDPR delete.

Endpoints (FACTS.md, "Endpoints used"; v3 objects, v4 associations):
- contacts: POST /crm/v3/objects/contacts/batch/upsert by email for contacts we have no id
  for, POST …/batch/update by id for the rest (a changed email must not create a second
  contact) https://developers.hubspot.com/docs/guides/api/crm/objects/contacts
- companies: upsert by our unique property `champions_account_id` (companies cannot be
  upserted by domain), update by id once known
  https://developers.hubspot.com/docs/guides/api/crm/objects/companies
- deals: POST /crm/v3/objects/deals/batch/update by HubSpot id
- reference links: POST /crm/v4/associations/deals/contacts/batch/create with the "Reference"
  label https://developers.hubspot.com/docs/guides/api/crm/associations/associations-v4
- every input carries its own `objectWriteTraceId` (our id), so a 207 names the inputs it
  refused and a bad input never fails its neighbours.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings

from integrations.crm.ports import (
    ChangePage,
    CompanyRecord,
    ContactRecord,
    CrmRecord,
    CrmRejected,
    DealRecord,
    ProvisionStep,
    RateLimitUse,
    RecordOutcome,
    ReferenceLinkRecord,
    RemoteType,
)
from integrations.hubspot import fields
from integrations.hubspot.client import Connection, HubSpotClient, client_for
from integrations.hubspot.throttle import Throttle, shared_throttle

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # "Batch writes: 100 inputs per call" (FACTS.md, "Limits")
PAGE_SIZE = 100
SEARCH_LIMIT = 200
SEARCH_RESULTS_MAX = 10_000  # search pages stop here; the window then moves on (FACTS.md)
SEARCH_INTERVAL = 0.25  # 4 search requests per second per token (FACTS.md)


class HubSpotGateway:
    name = "HubSpot"
    batch_size = BATCH_SIZE

    def __init__(self, connection: Connection, *, rate_limit: int, keep_contacts: bool) -> None:
        self.connection = connection
        self.rate_limit = rate_limit
        self.keep_contacts = keep_contacts
        self.throttle: Throttle = shared_throttle(connection.token, rate_limit)
        self._calls = 0
        self._label: int | None = None
        self._last_search = 0.0

    # --- plumbing -------------------------------------------------------------------------

    @property
    def client(self) -> HubSpotClient:
        return client_for(self.connection)

    @property
    def api_calls(self) -> int:
        return self._calls

    @property
    def max_call_seconds(self) -> float:
        return sum(self.connection.timeout)

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._calls += 1
        return self.client.call(self.throttle, fn, *args, **kwargs)

    def _call_json(
        self, expected: tuple[int, ...], fn: Callable[..., Any], *args: Any
    ) -> dict[str, Any]:
        self._calls += 1
        return self.client.call_json(self.throttle, expected, fn, *args)

    def reference_label(self) -> int:
        """The deal → contact type id links use: our "Reference" label, else HubSpot's default."""
        if self._label is None:
            from integrations.hubspot.models import PortalState

            found = PortalState.objects.filter(pk=1).values_list(
                "reference_label_type_id", flat=True
            )
            self._label = next(iter(found), None) or fields.DEAL_TO_CONTACT_DEFAULT
        return self._label

    def payload(self, record: CrmRecord) -> dict[str, str]:
        return fields.properties_of(record, self.reference_label())

    def rate_limit_use(self) -> RateLimitUse:
        used, paused = self.throttle.usage()
        return RateLimitUse(used=used, limit=self.rate_limit, paused_for=paused)

    # --- writes ---------------------------------------------------------------------------

    def upsert_contacts(self, records: Sequence[ContactRecord]) -> list[RecordOutcome]:
        batch = self.client.contacts_batch
        new = [r for r in records if not r.crm_id]
        known = [r for r in records if r.crm_id]
        outcomes: list[RecordOutcome] = []
        if new:
            outcomes += self._write(
                batch.upsert,
                new,
                lambda r: {"idProperty": "email", "id": r.email},
                ident=lambda r: r.email,
                result_ident=lambda res: _prop(res, "email").lower(),
            )
        if known:
            outcomes += self._write(
                batch.update,
                known,
                lambda r: {"id": r.crm_id},
                ident=lambda r: r.crm_id,
                result_ident=lambda res: str(res["id"]),
                by_id=True,
            )
        return outcomes

    def upsert_companies(self, records: Sequence[CompanyRecord]) -> list[RecordOutcome]:
        batch = self.client.companies_batch
        new = [r for r in records if not r.crm_id]
        known = [r for r in records if r.crm_id]
        outcomes: list[RecordOutcome] = []
        if new:
            outcomes += self._write(
                batch.upsert,
                new,
                lambda r: {"idProperty": fields.ACCOUNT_ID, "id": str(r.local_id)},
                ident=lambda r: str(r.local_id),
                result_ident=lambda res: _prop(res, fields.ACCOUNT_ID),
            )
        if known:
            outcomes += self._write(
                batch.update,
                known,
                lambda r: {"id": r.crm_id},
                ident=lambda r: r.crm_id,
                result_ident=lambda res: str(res["id"]),
                by_id=True,
            )
        return outcomes

    def update_deals(self, records: Sequence[DealRecord]) -> list[RecordOutcome]:
        return self._write(
            self.client.deals_batch.update,
            list(records),
            lambda r: {"id": r.crm_id},
            ident=lambda r: r.crm_id,
            result_ident=lambda res: str(res["id"]),
            by_id=True,
        )

    def _write(
        self,
        fn: Callable[..., Any],
        records: Sequence[Any],
        address: Callable[[Any], dict[str, str]],
        *,
        ident: Callable[[Any], str],
        result_ident: Callable[[Any], str],
        by_id: bool = False,
    ) -> list[RecordOutcome]:
        inputs = [
            {**address(r), "objectWriteTraceId": str(r.local_id), "properties": self.payload(r)}
            for r in records
        ]
        # batch/upsert and batch/update answer 200, or 207 when some inputs failed.
        response = self._call_json((200, 207), fn, {"inputs": inputs})
        by_trace = {str(r.local_id): r for r in records}
        by_ident = {ident(r): r for r in records}
        outcomes: dict[int, RecordOutcome] = {}
        for result in response.get("results") or []:
            record = by_trace.get(str(result.get("objectWriteTraceId") or ""))
            record = record or by_ident.get(result_ident(result))
            if record is not None:
                outcomes[record.local_id] = RecordOutcome(record.local_id, crm_id=str(result["id"]))
        for error in response.get("errors") or []:
            context = error.get("context") or {}
            targets = [by_trace[k] for k in context.get("objectWriteTraceId", []) if k in by_trace]
            targets += [by_ident[k] for k in context.get("ids", []) if k in by_ident]
            category = error.get("category", "ERROR")
            gone = by_id and category == "OBJECT_NOT_FOUND"
            message = f"HubSpot refused it: {category}: {error.get('message', '')}"
            for record in targets:
                outcomes[record.local_id] = RecordOutcome(
                    record.local_id, error="" if gone else message, gone=gone
                )
        return list(outcomes.values())

    def link_references(self, links: Sequence[ReferenceLinkRecord]) -> list[RecordOutcome]:
        label = self.reference_label()
        category = "HUBSPOT_DEFINED" if label == fields.DEAL_TO_CONTACT_DEFAULT else "USER_DEFINED"
        body = {
            "inputs": [
                {
                    "from": {"id": link.deal_crm_id},
                    "to": {"id": link.contact_crm_id},
                    "types": [{"associationCategory": category, "associationTypeId": label}],
                }
                for link in links
            ]
        }
        # batch/create answers 201, or 207 when some inputs failed.
        response = self._call_json(
            (201, 207), self.client.associations.create, "deals", "contacts", body
        )
        by_pair: dict[tuple[str, str], list[ReferenceLinkRecord]] = {}
        for link in links:
            by_pair.setdefault((link.deal_crm_id, link.contact_crm_id), []).append(link)
        outcomes: dict[int, RecordOutcome] = {}
        for result in response.get("results") or []:
            pair = (str(result.get("fromObjectId")), str(result.get("toObjectId")))
            for link in by_pair.get(pair, []):
                outcomes[link.local_id] = RecordOutcome(link.local_id, crm_id="-".join(pair))
        for error in response.get("errors") or []:
            context = error.get("context") or {}
            pairs = zip(
                context.get("fromObjectId", []), context.get("toObjectId", []), strict=False
            )
            message = f"HubSpot refused it: {error.get('category')}: {error.get('message', '')}"
            for pair in pairs:
                for link in by_pair.get((str(pair[0]), str(pair[1])), []):
                    outcomes[link.local_id] = RecordOutcome(link.local_id, error=message)
        return list(outcomes.values())

    # --- erasure --------------------------------------------------------------------------

    def erase_contact(self, *, crm_id: str, email: str) -> None:
        """GDPR delete (by id, else by email), or, when set to keep contacts, blank our
        properties. A contact HubSpot no longer has is already erased.
        https://developers.hubspot.com/docs/guides/api/crm/objects/contacts#gdpr-delete"""
        basic = self.client.contacts_basic
        if not crm_id and not email:
            return
        try:
            if self.keep_contacts:
                body = {"properties": fields.cleared_contact_properties()}
                if crm_id:
                    self._call(basic.update, crm_id, body)
                else:
                    self._call(basic.update, email, body, id_property="email")
            else:
                target = (
                    {"objectId": crm_id} if crm_id else {"objectId": email, "idProperty": "email"}
                )
                self._call(basic.purge, target)
        except CrmRejected as error:
            if error.status != 404:
                raise

    # --- reads ----------------------------------------------------------------------------

    def read_changes(
        self, object_type: RemoteType, *, since: datetime | None, cursor: str | None
    ) -> ChangePage:
        """Every object page by page (cursor paging), or those modified since `since` (search
        sorted by modification time; past 10,000 results the window restarts at the last
        time seen, so any number of changes is reachable)."""
        if since is None:
            return self._list_page(object_type, cursor)
        return self._search_page(object_type, since, cursor)

    def _apis(self, object_type: RemoteType) -> tuple[Any, Any]:
        client = self.client
        return {
            "contact": (client.contacts_basic, client.contacts_search),
            "company": (client.companies_basic, client.companies_search),
            "deal": (client.deals_basic, client.deals_search),
        }[object_type]

    def _list_page(self, object_type: RemoteType, cursor: str | None) -> ChangePage:
        basic, _ = self._apis(object_type)
        extra = {"associations": ["companies"]} if object_type == "deal" else {}
        kwargs: dict[str, Any] = {
            "limit": PAGE_SIZE,
            "properties": fields.READ_PROPERTIES[object_type],
        }
        if cursor:
            kwargs["after"] = cursor
        page = self._call(basic.get_page, **kwargs, **extra)
        objects = [
            fields.remote_object(object_type, str(r.id), r.properties or {}, _company_of(r))
            for r in page.results or []
        ]
        after = page.paging.next.after if page.paging and page.paging.next else None
        return ChangePage(objects=objects, next_cursor=after)

    def _search_page(
        self, object_type: RemoteType, since: datetime, cursor: str | None
    ) -> ChangePage:
        _, search = self._apis(object_type)
        lower_ms, offset = (int(part) for part in (cursor or f"{_ms(since)}:0").split(":"))
        modified = fields.MODIFIED[object_type]
        request = {
            "filterGroups": [
                {"filters": [{"propertyName": modified, "operator": "GTE", "value": str(lower_ms)}]}
            ],
            "sorts": [{"propertyName": modified, "direction": "ASCENDING"}],
            "properties": fields.READ_PROPERTIES[object_type],
            "limit": SEARCH_LIMIT,
            "after": str(offset),
        }
        pause = self._last_search + SEARCH_INTERVAL - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        self._last_search = time.monotonic()
        page = self._call(search.do_search, public_object_search_request=request)
        rows = page.results or []
        companies = self._deal_companies([str(r.id) for r in rows]) if object_type == "deal" else {}
        objects = [
            fields.remote_object(
                object_type, str(r.id), r.properties or {}, companies.get(str(r.id), "")
            )
            for r in rows
        ]
        next_cursor = None
        if page.paging and page.paging.next and page.paging.next.after:
            after = int(page.paging.next.after)
            if after < SEARCH_RESULTS_MAX:
                next_cursor = f"{lower_ms}:{after}"
            else:
                last = objects[-1].modified_at if objects else None
                restart = _ms(last) if last is not None else lower_ms
                next_cursor = f"{max(restart, lower_ms + 1)}:0"
        return ChangePage(objects=objects, next_cursor=next_cursor)

    def _deal_companies(self, deal_ids: list[str]) -> dict[str, str]:
        if not deal_ids:
            return {}
        body = {"inputs": [{"id": i} for i in deal_ids]}
        page = self._call(self.client.associations.get_page, "deals", "companies", body)
        out: dict[str, str] = {}
        for result in (page.results if page is not None else None) or []:
            targets = result.to or []
            if targets:
                out[str(result._from.id)] = str(targets[0].to_object_id)
        return out

    # --- provisioning ---------------------------------------------------------------------

    def provision(self, *, dry_run: bool = False) -> list[ProvisionStep]:
        """Create, idempotently, the group "Champions program", our properties and the deal →
        contact label "Reference" (where the portal allows labels).
        https://developers.hubspot.com/docs/guides/api/crm/properties"""
        from integrations.hubspot.provisioning import provision

        return provision(self, dry_run=dry_run)


def _prop(result: dict[str, Any], name: str) -> str:
    return str((result.get("properties") or {}).get(name) or "")


def _company_of(result: Any) -> str:
    associations = getattr(result, "associations", None) or {}
    companies = associations.get("companies")
    rows = getattr(companies, "results", None) or []
    return str(rows[0].id) if rows else ""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def build_gateway() -> HubSpotGateway | None:
    """The gateway from settings; None while HUBSPOT_ACCESS_TOKEN is empty."""
    token = settings.HUBSPOT_ACCESS_TOKEN
    if not token:
        return None
    connect, read = settings.HUBSPOT_TIMEOUT
    connection = Connection(
        token=token, host=settings.HUBSPOT_API_BASE.rstrip("/"), timeout=(connect, read)
    )
    return HubSpotGateway(
        connection,
        rate_limit=settings.HUBSPOT_RATE_LIMIT,
        keep_contacts=settings.HUBSPOT_KEEP_CONTACT_ON_ERASURE,
    )
