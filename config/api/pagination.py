"""Pagination with a hard cap: `?page_size=10000` gets at most 100 rows.

Most lists are numbered pages with a total `count`. Reference search is a cursor instead:
its pool is decided by consent per champion, so an exact count would read every champion
that may be shown on each request, while a cursor page reads only the rows it returns
(`next` / `previous` links, no `count`; BENCHMARKS.md "REST API").
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


class CappedPageNumberPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CappedCursorPagination(CursorPagination):
    """A cursor over the queryset's own order (the view's default or its `ordering` filter),
    ended by the primary key so that every row has one place. The first field must be an
    attribute of each row that is never null (DRF keeps it in the cursor)."""

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_ordering(
        self, request: Request, queryset: QuerySet[Any], view: APIView | None = None
    ) -> tuple[str, ...]:
        ordering = tuple(str(field) for field in queryset.query.order_by)
        if not ordering:
            return ("pk",)
        if ordering[-1].lstrip("-") in ("pk", "id"):
            return ordering
        return (*ordering, "-pk" if ordering[0].startswith("-") else "pk")
