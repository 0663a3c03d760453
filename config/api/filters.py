"""django-filter, strict: an unknown query parameter is an error that names it.

A misspelt filter (`?industy=fintech`) silently ignored returns every row, which a sales rep
would take for an answer. So the API refuses parameters that are neither a filter of the
view's filter set nor a pagination parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters  # type: ignore[import-untyped]
from django import forms
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend  # type: ignore[import-untyped]
from rest_framework.exceptions import ValidationError

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


def known_query_params(
    view: APIView, filter_names: set[str] | frozenset[str] = frozenset()
) -> set[str]:
    known = set(filter_names) | set(getattr(view, "extra_query_params", ()))
    paginator = getattr(view, "paginator", None)
    if paginator is not None:
        for attr in ("page_query_param", "page_size_query_param", "cursor_query_param"):
            if name := getattr(paginator, attr, None):
                known.add(name)
    return known


def refuse_unknown_params(request: Request, known: set[str]) -> None:
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise ValidationError(
            {
                name: [f"Unknown query parameter; this endpoint knows: {allowed}."]
                for name in unknown
            }
        )


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(
        self, request: Request, queryset: QuerySet[Any], view: APIView
    ) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        names = set(filterset_class.base_filters) if filterset_class is not None else set()
        refuse_unknown_params(request, known_query_params(view, names))
        return super().filter_queryset(request, queryset, view)


class FilterSet(django_filters.FilterSet):
    """django-filter's FilterSet with its form class built once per filter set class.

    django-filter builds a new form class, and a new form field per filter, on every request
    (about 1 ms of a search's CPU); the fields never change, and each form instance deep-copies
    the class's fields anyway, so one class serves every request.
    """

    def get_form_class(self) -> type[forms.Form]:
        cls = type(self)
        form_class: type[forms.Form] | None = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class
