"""`GET /api/v1/metrics/`: the program metrics of METRICS.md for a window and filters.

The API owns the door (validation, permissions, the JSON envelope); `programs.metrics` owns the
numbers. It plugs its computation in once, from its AppConfig.ready():

    from config.api.metrics import register_metrics_provider
    register_metrics_provider(metrics_for_api)   # (MetricsQuery) -> {"activation_rate": ...}

Until a provider is registered the endpoint answers 200 with an empty `metrics` object, so
clients can be written against the envelope now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from champions.errors import DomainError
from champions.models import Account, Guild, Industry
from config.api.filters import refuse_unknown_params
from config.api.permissions import IsProgramTeam

DEFAULT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class MetricsQuery:
    start: datetime  # inclusive
    end: datetime  # exclusive
    guild_id: int | None = None
    account_id: int | None = None
    industry: str | None = None


MetricsProvider = Callable[[MetricsQuery], Mapping[str, Any]]
_providers: list[MetricsProvider] = []


def register_metrics_provider(provider: MetricsProvider) -> None:
    """Called by `programs.metrics` at start-up; registering the same function twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_metrics_provider(provider: MetricsProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def metrics_compute(query: MetricsQuery) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    for provider in _providers:
        metrics.update(provider(query))
    return metrics


def metrics_query(
    *,
    start: datetime | None,
    end: datetime | None,
    guild_id: int | None = None,
    account_id: int | None = None,
    industry: str | None = None,
) -> MetricsQuery:
    """The window `[from, to)` (default: the 30 days before now) and filters, checked."""
    end = end or timezone.now()
    start = start or end - DEFAULT_WINDOW
    if start >= end:
        raise DomainError(
            "The window is empty or inverted: “from” must lie before “to”.", field="from"
        )
    if guild_id is not None and not Guild.objects.filter(pk=guild_id).exists():
        raise DomainError(f"There is no guild with id {guild_id}.", field="guild")
    if account_id is not None and not Account.objects.filter(pk=account_id).exists():
        raise DomainError(f"There is no account with id {account_id}.", field="account")
    return MetricsQuery(start, end, guild_id, account_id, industry)


class MetricsView(APIView):
    permission_classes = [IsProgramTeam]
    throttle_scope = "metrics"
    known_params = frozenset({"from", "to", "guild", "account", "industry"})

    class InputSerializer(serializers.Serializer[Any]):
        to = serializers.DateTimeField(required=False)
        guild = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
        account = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
        industry = serializers.ChoiceField(choices=Industry.choices, required=False)

        def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
            fields = super().get_fields()
            fields["from"] = serializers.DateTimeField(required=False)  # a keyword in Python
            return fields

    class OutputSerializer(serializers.Serializer[Any]):
        window = serializers.DictField(child=serializers.DateTimeField())

        class FiltersSerializer(serializers.Serializer[Any]):
            guild = serializers.IntegerField(allow_null=True)
            account = serializers.IntegerField(allow_null=True)
            industry = serializers.CharField(allow_null=True)

        filters = FiltersSerializer()
        metrics = serializers.DictField(
            help_text="Metric key → value, as defined in METRICS.md (empty until the metrics "
            "module registers its computation)."
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="Window start (inclusive)"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="Window end (exclusive)"),
            OpenApiParameter("guild", OpenApiTypes.INT),
            OpenApiParameter("account", OpenApiTypes.INT),
            OpenApiParameter("industry", OpenApiTypes.STR, enum=Industry.values),
        ],
        responses=OutputSerializer,
        summary="Program metrics for a window [from, to) and filters",
    )
    def get(self, request: Request) -> Response:
        refuse_unknown_params(request, set(self.known_params))
        serializer = self.InputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        query = metrics_query(
            start=data.get("from"),
            end=data.get("to"),
            guild_id=data.get("guild"),
            account_id=data.get("account"),
            industry=data.get("industry"),
        )
        body = {
            "window": {"from": query.start, "to": query.end},
            "filters": {
                "guild": query.guild_id,
                "account": query.account_id,
                "industry": query.industry,
            },
            "metrics": metrics_compute(query),
        }
        return Response(self.OutputSerializer(body).data)
