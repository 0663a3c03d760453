"""Page-number pagination with a hard cap: `?page_size=10000` gets at most 100 rows."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination


class CappedPageNumberPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
