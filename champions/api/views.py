"""API views of the champions core: who am I, API tokens, activity and adoption ingestion.

Each view validates its input, calls one service and serializes the answer (STYLE.md).
"""

from __future__ import annotations

from typing import Any

import django_filters  # type: ignore[import-untyped]
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from champions.api.tokens import api_token_issue, api_token_revoke, api_tokens_of
from champions.errors import NotFound
from champions.ingest import (
    EXTERNAL_ID_MAX,
    MAX_ITEMS,
    AdoptionFigureInput,
    activities_ingest,
    adoption_figures_record,
)
from champions.models import (
    Account,
    ActivityKind,
    ActivitySource,
    AdoptionFigure,
    ApiToken,
    ApiTokenScope,
)
from config.api.filters import FilterSet
from config.api.permissions import (
    IsIngestServiceOrProgramTeam,
    IsSalesOrProgramTeam,
    acting_user,
    is_program_team,
    is_sales,
    user_groups,
)


class MeView(APIView):
    """Who the caller is: the cheapest authenticated call (and the benchmark's floor)."""

    class OutputSerializer(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        full_name = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        is_program_team = serializers.BooleanField()
        is_sales = serializers.BooleanField()
        token_expires_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(responses=OutputSerializer, summary="The signed-in user and their roles")
    def get(self, request: Request) -> Response:
        user = acting_user(request)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "roles": sorted(user_groups(user)),
            "is_program_team": is_program_team(user),
            "is_sales": is_sales(user),
            "token_expires_at": token.expires_at if token else None,
        }
        return Response(self.OutputSerializer(data).data)


# --- tokens ---------------------------------------------------------------------------------


class TokenOutputSerializer(serializers.ModelSerializer[ApiToken]):
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "scope",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "status",
        ]
        read_only_fields = fields

    def get_status(self, token: ApiToken) -> str:
        if token.revoked_at is not None:
            return "revoked"
        return "expired" if token.expires_at <= timezone.now() else "active"


class SessionForTokenCreation(BasePermission):
    """New tokens come from a signed-in browser session (where two-factor sign-in happened),
    never from another token: a leaked token must not be able to renew itself."""

    message = "Create API tokens while signed in with your browser session, not with a token."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method != "POST" or request.auth is None


class TokenListView(ListAPIView[ApiToken]):
    permission_classes = [IsSalesOrProgramTeam, SessionForTokenCreation]
    throttle_scope = "tokens"
    serializer_class = TokenOutputSerializer

    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=100)
        scope = serializers.ChoiceField(
            choices=ApiTokenScope.choices, default=ApiTokenScope.PERSONAL
        )
        expires_in_days = serializers.IntegerField(
            min_value=1, max_value=settings.API_TOKEN_MAX_DAYS, required=False
        )

    class CreatedSerializer(TokenOutputSerializer):
        token = serializers.CharField(help_text="The token itself. Shown once, store it now.")

        class Meta(TokenOutputSerializer.Meta):
            fields = [*TokenOutputSerializer.Meta.fields, "token"]
            read_only_fields = fields

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_tokens_of(user=acting_user(self.request))

    @extend_schema(summary="Your API tokens (never the tokens themselves)")
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        request=InputSerializer,
        responses={201: CreatedSerializer},
        summary="Create an API token (two-factor sign-in required; the token is shown once)",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = api_token_issue(user=acting_user(request), **serializer.validated_data)
        data = {**TokenOutputSerializer(issued.token).data, "token": issued.raw}
        return Response(data, status=status.HTTP_201_CREATED)


class TokenDetailView(APIView):
    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "tokens"

    @extend_schema(responses={204: None}, summary="Revoke one of your API tokens")
    def delete(self, request: Request, token_id: int) -> Response:
        api_token_revoke(user=acting_user(request), token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- activity ingestion ---------------------------------------------------------------------


class ParsedList(serializers.ListField):
    """A list as the JSON parser produced it, its items unchanged: DRF's ListField runs each
    item through its child field, which a thousand items a call do not need."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and not data:
            self.fail("empty")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return data


class ActivityBulkView(APIView):
    """Up to 1,000 activity events per call, each judged on its own."""

    permission_classes = [IsIngestServiceOrProgramTeam]
    throttle_scope = "ingest"

    class InputSerializer(serializers.Serializer[Any]):
        # Items stay unvalidated here: `activities_ingest` judges each one, so one bad item is
        # reported by index and field instead of refusing the whole batch.
        items = ParsedList(allow_empty=False, max_length=MAX_ITEMS)

    class ItemSerializer(serializers.Serializer[Any]):
        """The shape of one item (documentation; the service checks each item)."""

        external_id = serializers.CharField(
            max_length=EXTERNAL_ID_MAX,
            help_text="Your id of the event: sending it again is a no-op.",
        )
        champion_id = serializers.IntegerField(
            required=False, min_value=1, help_text="The champion, by id; or give champion_email."
        )
        champion_email = serializers.EmailField(required=False)
        kind = serializers.ChoiceField(choices=ActivityKind.choices)
        occurred_at = serializers.DateTimeField(help_text="ISO 8601 with a time zone offset.")
        guild_id = serializers.IntegerField(required=False, allow_null=True, min_value=1)

    class OutputSerializer(serializers.Serializer[Any]):
        accepted = serializers.IntegerField()
        duplicates = serializers.IntegerField()
        rejected = serializers.IntegerField()
        results = inline_serializer(
            "ActivityBulkItemResult",
            fields={
                "index": serializers.IntegerField(),
                "external_id": serializers.CharField(allow_null=True),
                "status": serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"]),
                "errors": serializers.DictField(
                    child=serializers.ListField(child=serializers.CharField())
                ),
            },
            many=True,
        )

    @extend_schema(
        request=inline_serializer(
            "ActivityBulkInput",
            fields={
                "items": serializers.ListSerializer(
                    child=ItemSerializer(), max_length=MAX_ITEMS, min_length=1
                )
            },
        ),
        responses=OutputSerializer,
        summary="Record up to 1,000 activity events, idempotent by external_id",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = activities_ingest(
            items=serializer.validated_data["items"],
            source=ActivitySource.API,
            actor=acting_user(request),
        )
        data = {
            "accepted": report.accepted,
            "duplicates": report.duplicates,
            "rejected": report.rejected,
            "results": [
                {
                    "index": r.index,
                    "external_id": r.external_id,
                    "status": r.status,
                    "errors": r.errors,
                }
                for r in report.results
            ],
        }
        return Response(data)


# --- adoption figures -----------------------------------------------------------------------


class AdoptionFigureOutputSerializer(serializers.ModelSerializer[AdoptionFigure]):
    class Meta:
        model = AdoptionFigure
        fields = ["date", "metric", "value", "source", "recorded_at"]
        read_only_fields = fields


class AdoptionFilter(FilterSet):
    metric = django_filters.CharFilter(field_name="metric", max_length=64)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = AdoptionFigure
        fields: list[str] = []


def _account(account_id: int) -> Account:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise NotFound("There is no account with this id.")
    return account


class AdoptionView(ListAPIView[AdoptionFigure]):
    """Product adoption figures of one account, one value per date and metric."""

    serializer_class = AdoptionFigureOutputSerializer
    filterset_class = AdoptionFilter
    throttle_scope = "ingest"

    class InputSerializer(serializers.Serializer[Any]):
        class FigureSerializer(serializers.Serializer[Any]):
            date = serializers.DateField()
            metric = serializers.SlugField(max_length=64, help_text="e.g. weekly_active_users")
            value = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)

        figures: serializers.ListSerializer[Any] = serializers.ListSerializer(
            child=FigureSerializer(), allow_empty=False, max_length=MAX_ITEMS
        )

    class OutputSerializer(serializers.Serializer[Any]):
        created = serializers.IntegerField()
        updated = serializers.IntegerField()
        figures = AdoptionFigureOutputSerializer(many=True)

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [IsIngestServiceOrProgramTeam()]
        return [IsSalesOrProgramTeam()]

    def get_queryset(self) -> QuerySet[AdoptionFigure]:
        if getattr(self, "swagger_fake_view", False):
            return AdoptionFigure.objects.none()
        account = _account(self.kwargs["account_id"])
        return AdoptionFigure.objects.filter(account=account).order_by("-date", "metric")

    @extend_schema(summary="An account's adoption figures, newest first")
    def get(self, request: Request, account_id: int) -> Response:
        return self.list(request)

    @extend_schema(
        request=InputSerializer,
        responses=OutputSerializer,
        summary="Record adoption figures for an account (upsert per date and metric)",
    )
    def post(self, request: Request, account_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        figures = [AdoptionFigureInput(**figure) for figure in serializer.validated_data["figures"]]
        report = adoption_figures_record(account=_account(account_id), figures=figures)
        data = {"created": report.created, "updated": report.updated, "figures": report.figures}
        return Response(self.OutputSerializer(data).data)
