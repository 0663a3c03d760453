"""The reference program's API for sales: search, match, stories, and one's own requests.

Every rule comes from `programs.references` — who may be shown (consent, visibility), the
match score and its explanation, the request lifecycle and its SLA. These views validate,
call one selector or service, and serialize. Sales never sees private notes of the program,
champions' contact details, or another sales user's requests.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from champions.errors import NotFound
from champions.models import (
    ActivitySource,
    Champion,
    Industry,
    ProductArea,
    Region,
    SizeBand,
    validate_timezone,
)
from config.api.filters import refuse_unknown_params
from config.api.pagination import CappedCursorPagination
from config.api.permissions import IsSalesOrProgramTeam, acting_user, is_program_team
from programs.references.api.filters import ReferenceFilter, StoryFilter
from programs.references.api.selectors import (
    ProspectProfile,
    match_profile,
    reference_page,
    reference_pool,
    stories_for_listing,
)
from programs.references.matching import MatchCandidate, match_request
from programs.references.models import (
    ActivityType,
    Deal,
    ProvenMetric,
    ReferenceRequest,
    ReferenceStory,
    RequestOutcome,
    UseCase,
)
from programs.references.selectors import request_sla, stories_visible_to_sales, story_for_sales
from programs.references.services import request_complete, request_create

MATCH_LIMIT_MAX = 20


# --- shared output pieces -------------------------------------------------------------------


class MetricSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    before = serializers.DecimalField(max_digits=14, decimal_places=2)
    after = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit = serializers.CharField()
    period = serializers.CharField()


class StoryBriefSerializer(serializers.Serializer[Any]):
    # Nested serializers are declared fields, built once per response: one built per row
    # (in a method field) costs DRF a deep copy of its fields each time.
    id = serializers.IntegerField()
    title = serializers.CharField()
    has_video = serializers.SerializerMethodField()
    metrics = MetricSerializer(many=True, source="metrics.all")

    def get_has_video(self, story: ReferenceStory) -> bool:
        return bool(story.video_url)


# --- GET /references/ -----------------------------------------------------------------------


class ReferenceOutputSerializer(serializers.Serializer[Any]):
    """A champion who may be asked for a reference call, as sales sees them."""

    # Describes the response (OpenAPI); `reference_page` builds its rows as plain dicts.

    id = serializers.IntegerField()
    full_name = serializers.CharField()
    title = serializers.CharField()
    company = serializers.CharField()
    industry = serializers.CharField()
    region = serializers.CharField()
    size_band = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    product_areas = serializers.SerializerMethodField()
    use_cases = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()
    stories = StoryBriefSerializer(many=True)

    @extend_schema_field(
        serializers.ChoiceField(choices=["available", "busy", "cooldown", "at_cap", "paused"])
    )
    def get_availability(self, row: dict[str, Any]) -> str:
        return str(row["availability"])

    def get_product_areas(self, row: dict[str, Any]) -> list[str]:
        return list(row["product_areas"])

    def get_use_cases(self, row: dict[str, Any]) -> list[str]:
        return list(row["use_cases"])


class ReferenceProgramTeamSerializer(ReferenceOutputSerializer):
    """The program team also sees how to reach the champion and its own notes."""

    email = serializers.EmailField()
    tier = serializers.CharField()
    private_notes = serializers.CharField()


class ReferenceSearchView(ListAPIView[Champion]):
    """Search the champions who may be asked for a reference call (current consent only)."""

    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "references"
    filterset_class = ReferenceFilter
    serializer_class = ReferenceOutputSerializer
    pagination_class = CappedCursorPagination

    def get_queryset(self) -> QuerySet[Champion]:
        if getattr(self, "swagger_fake_view", False):
            return Champion.objects.none()
        return reference_pool().order_by("full_name", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if getattr(self, "swagger_fake_view", False) or not is_program_team(self.request.user):
            return ReferenceOutputSerializer
        return ReferenceProgramTeamSerializer

    @extend_schema(summary="Search references: champions with current reference-call consent")
    def get(self, request: Request) -> Response:
        return self.list(request)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The serializers above describe the response (OpenAPI); `reference_page` builds it as
        # plain dicts, which costs a fraction of serializing 25 nested rows.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = reference_page(page or [], program_team=is_program_team(request.user))
        return self.get_paginated_response(rows)


# --- POST /references/match/ ----------------------------------------------------------------


class MatchView(APIView):
    """Rank champions (and their stories) for a request of one's own, or a prospect profile."""

    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "match"

    class InputSerializer(serializers.Serializer[Any]):
        request = serializers.IntegerField(
            required=False, min_value=1, max_value=2**63 - 1, help_text="One of your requests."
        )
        deal = serializers.PrimaryKeyRelatedField(
            queryset=Deal.objects.select_related("account"),
            required=False,
            help_text="A deal: the prospect defaults to its company, which is never proposed.",
        )
        prospect_industry = serializers.ChoiceField(choices=Industry.choices, required=False)
        prospect_size_band = serializers.ChoiceField(choices=SizeBand.choices, required=False)
        prospect_region = serializers.ChoiceField(choices=Region.choices, required=False)
        prospect_timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
        language = serializers.RegexField(r"^[a-z]{2}$", required=False, default="en")
        use_case = serializers.SlugRelatedField[UseCase](
            slug_field="slug", queryset=UseCase.objects.all(), required=False, allow_null=True
        )
        product_areas = serializers.SlugRelatedField[ProductArea](
            slug_field="slug", queryset=ProductArea.objects.all(), many=True, required=False
        )
        limit = serializers.IntegerField(min_value=1, max_value=MATCH_LIMIT_MAX, default=10)

        def validate_prospect_timezone(self, value: str) -> str:
            if value:
                try:
                    validate_timezone(value)
                except ValidationError as error:
                    raise serializers.ValidationError(error.messages) from None
            return value

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            profile = ("prospect_industry", "prospect_size_band", "prospect_region")
            account = attrs["deal"].account if attrs.get("deal") else None
            if account is not None:
                for name in profile:
                    attrs.setdefault(name, getattr(account, name.removeprefix("prospect_")))
            if attrs.get("request") is None:
                missing = [name for name in profile if not attrs.get(name)]
                if missing:
                    raise serializers.ValidationError(
                        {name: ["Required unless you give a request."] for name in missing}
                    )
            return attrs

    class OutputSerializer(serializers.Serializer[Any]):
        class CandidateSerializer(serializers.Serializer[Any]):
            class ChampionSerializer(serializers.Serializer[Any]):
                id = serializers.IntegerField()
                full_name = serializers.CharField()
                title = serializers.CharField()
                company = serializers.CharField(source="account.name")
                industry = serializers.CharField(source="account.industry")
                region = serializers.CharField(source="account.region")
                size_band = serializers.CharField(source="account.size_band")
                languages = serializers.ListField(child=serializers.CharField())

            class ComponentSerializer(serializers.Serializer[Any]):
                key = serializers.CharField()
                label = serializers.CharField()  # type: ignore[assignment]  # Field.label is a str
                points = serializers.IntegerField()
                max_points = serializers.IntegerField()
                reason = serializers.CharField()

            class AvailabilitySerializer(serializers.Serializer[Any]):
                state = serializers.CharField()
                free_slots = serializers.IntegerField()
                cap = serializers.IntegerField()

            rank = serializers.IntegerField()
            score = serializers.IntegerField()
            champion = ChampionSerializer()
            components = ComponentSerializer(many=True)
            explanation = serializers.ListField(child=serializers.CharField())
            availability = AvailabilitySerializer()
            stories = StoryBriefSerializer(many=True)

        request = serializers.IntegerField(allow_null=True)
        candidates = CandidateSerializer(many=True)

    @extend_schema(
        request=InputSerializer,
        responses=OutputSerializer,
        summary="Ranked champions and stories for a request or prospect, with the score explained",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("request") is not None:
            own = _requests_of(request).filter(pk=data["request"]).first()
            if own is None:
                raise NotFound("You have no reference request with this id.", field="request")
            candidates = match_request(request=own, limit=data["limit"])
        else:
            profile = ProspectProfile(
                industry=data["prospect_industry"],
                size_band=data["prospect_size_band"],
                region=data["prospect_region"],
                timezone=data.get("prospect_timezone", ""),
                language=data["language"],
                use_case=data.get("use_case"),
                product_areas=data.get("product_areas", []),
            )
            candidates = match_profile(
                profile=profile,
                requested_by=acting_user(request),
                deal=data.get("deal"),
                limit=data["limit"],
            )
        stories = [story for candidate in candidates for story in candidate.stories]
        prefetch_related_objects(
            stories, Prefetch("metrics", queryset=ProvenMetric.objects.order_by("position", "id"))
        )
        body = {
            "request": data.get("request"),
            "candidates": [_candidate(rank, c) for rank, c in enumerate(candidates, start=1)],
        }
        return Response(self.OutputSerializer(body).data)


def _candidate(rank: int, candidate: MatchCandidate) -> dict[str, Any]:
    champion = candidate.champion
    cap, load = int(getattr(champion, "ref_cap")), int(getattr(champion, "ref_load"))  # noqa: B009  # annotated by the matching
    return {
        "rank": rank,
        "score": candidate.score,
        "champion": champion,
        "components": candidate.components,
        "explanation": candidate.explanation,
        "availability": {"state": "available", "free_slots": cap - load, "cap": cap},
        "stories": candidate.stories,
    }


# --- GET /stories/ --------------------------------------------------------------------------


class StoryOutputSerializer(serializers.Serializer[Any]):
    """A story as sales sees it: no notes, no contact details, the logo only if allowed."""

    class QuoteSerializer(serializers.Serializer[Any]):
        text = serializers.CharField()
        name = serializers.CharField()
        title = serializers.CharField()

    class FeaturedSerializer(serializers.Serializer[Any]):
        full_name = serializers.CharField()
        title = serializers.CharField()

    id = serializers.IntegerField()
    title = serializers.CharField()
    company = serializers.CharField()
    industry = serializers.CharField()
    company_size = serializers.CharField()
    region = serializers.CharField()
    language = serializers.CharField()
    use_case = serializers.CharField()
    product_areas = serializers.ListField(child=serializers.CharField())
    challenge = serializers.CharField()
    solution = serializers.CharField()
    results = serializers.CharField()
    metrics = MetricSerializer(many=True)
    quotes = QuoteSerializer(many=True)
    featured = FeaturedSerializer(many=True)
    logo_shown = serializers.BooleanField()
    video_url = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    review_due_at = serializers.DateTimeField(allow_null=True)


def _story_row(story: ReferenceStory) -> dict[str, Any]:
    """The fields of `story_for_sales`, from prefetched rows (one query per relation, not per
    story); the detail view uses `story_for_sales` itself."""
    return {
        "id": story.pk,
        "title": story.title,
        "company": story.account.name,
        "industry": story.get_industry_display(),
        "company_size": story.get_size_band_display(),
        "region": story.get_region_display(),
        "language": story.language,
        "use_case": story.use_case.name if story.use_case else "",
        "product_areas": [area.name for area in story.product_areas.all()],
        "challenge": story.challenge,
        "solution": story.solution,
        "results": story.results,
        "metrics": list(story.metrics.all()),
        "quotes": [
            {"text": q.text, "name": q.champion.full_name, "title": q.champion.title}
            for q in story.quotes.all()
        ],
        "featured": [
            {"full_name": c.full_name, "title": c.title} for c in story.featured_champions.all()
        ],
        "logo_shown": story.logo_permission,
        "video_url": story.video_url,
        "published_at": story.published_at,
        "review_due_at": story.review_due_at,
    }


class StoryListView(ListAPIView[ReferenceStory]):
    """Published stories sales may use now (consent current, shareable, not past review)."""

    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "references"
    filterset_class = StoryFilter
    serializer_class = StoryOutputSerializer

    def get_queryset(self) -> QuerySet[ReferenceStory]:
        return stories_for_listing(stories_visible_to_sales().order_by("-published_at", "-pk"))

    @extend_schema(summary="Published stories with proven metrics and approved quotes")
    def get(self, request: Request) -> Response:
        return self.list(request)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = [_story_row(story) for story in (page if page is not None else queryset)]
        return self.get_paginated_response(StoryOutputSerializer(rows, many=True).data)


class StoryDetailView(APIView):
    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "references"

    @extend_schema(responses=StoryOutputSerializer, summary="One published story")
    def get(self, request: Request, story_id: int) -> Response:
        refuse_unknown_params(request, set())
        story = (
            stories_visible_to_sales()
            .select_related("account", "use_case")
            .filter(pk=story_id)
            .first()
        )
        if story is None:
            raise NotFound("There is no published story with this id that sales may use.")
        shown = story_for_sales(story=story)
        data = {
            **shown.__dict__,
            "metrics": [m.__dict__ for m in shown.metrics],
            "quotes": [q.__dict__ for q in shown.quotes],
            "featured": [{"full_name": n, "title": t} for n, t in shown.featured],
        }
        return Response(StoryOutputSerializer(data).data)


# --- /reference-requests/ -------------------------------------------------------------------


def _requests_of(request: Request) -> QuerySet[ReferenceRequest]:
    """Sales sees its own requests; the program team sees all."""
    requests = ReferenceRequest.objects.all()
    if not is_program_team(request.user):
        requests = requests.filter(requested_by=acting_user(request))
    return requests


class ReferenceRequestOutputSerializer(serializers.ModelSerializer[ReferenceRequest]):
    class SlaSerializer(serializers.Serializer[Any]):
        due_at = serializers.DateTimeField()
        state = serializers.ChoiceField(choices=["on_time", "overdue", "met", "missed", "closed"])
        label = serializers.CharField()  # type: ignore[assignment]  # Field.label is a str

    class ChampionSerializer(serializers.Serializer[Any]):
        full_name = serializers.CharField()
        title = serializers.CharField()
        company = serializers.CharField(source="account.name")

    deal = serializers.SerializerMethodField()
    use_case = serializers.SlugRelatedField[UseCase](slug_field="slug", read_only=True)
    product_areas = serializers.SlugRelatedField[ProductArea](
        slug_field="slug", read_only=True, many=True
    )
    offer_sla = serializers.SerializerMethodField()
    champion = ChampionSerializer(allow_null=True, read_only=True)
    requested_by = serializers.EmailField(source="requested_by.email", read_only=True)

    class Meta:
        model = ReferenceRequest
        fields = [
            "id",
            "deal",
            "requested_by",
            "prospect_company",
            "prospect_industry",
            "prospect_region",
            "prospect_size_band",
            "prospect_timezone",
            "language",
            "use_case",
            "product_areas",
            "activity_type",
            "needed_by",
            "notes",
            "status",
            "outcome",
            "champion",
            "requested_at",
            "offer_sla",
            "offered_at",
            "accepted_at",
            "scheduled_for",
            "completed_at",
            "fulfilled_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        inline_serializer(
            "ReferenceRequestDeal",
            fields={"id": serializers.IntegerField(), "name": serializers.CharField()},
        )
    )
    def get_deal(self, obj: ReferenceRequest) -> dict[str, Any]:
        return {"id": obj.deal_id, "name": obj.deal.name}

    @extend_schema_field(SlaSerializer)
    def get_offer_sla(self, obj: ReferenceRequest) -> dict[str, Any]:
        sla = request_sla(request=obj)
        return {"due_at": sla.due_at, "state": sla.state, "label": sla.label}


class ReferenceRequestListView(ListAPIView[ReferenceRequest]):
    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "requests"
    serializer_class = ReferenceRequestOutputSerializer

    class InputSerializer(serializers.Serializer[Any]):
        deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all())
        activity_type = serializers.ChoiceField(choices=ActivityType.choices)
        prospect_company = serializers.CharField(max_length=200, required=False, allow_blank=True)
        prospect_industry = serializers.ChoiceField(choices=Industry.choices, required=False)
        prospect_region = serializers.ChoiceField(choices=Region.choices, required=False)
        prospect_size_band = serializers.ChoiceField(choices=SizeBand.choices, required=False)
        prospect_timezone = serializers.CharField(max_length=64, required=False, allow_blank=True)
        language = serializers.RegexField(r"^[a-z]{2}$", required=False, default="en")
        use_case = serializers.SlugRelatedField[UseCase](
            slug_field="slug", queryset=UseCase.objects.all(), required=False, allow_null=True
        )
        product_areas = serializers.SlugRelatedField[ProductArea](
            slug_field="slug", queryset=ProductArea.objects.all(), many=True, required=False
        )
        needed_by = serializers.DateField(required=False, allow_null=True)
        notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def get_queryset(self) -> QuerySet[ReferenceRequest]:
        if getattr(self, "swagger_fake_view", False):
            return ReferenceRequest.objects.none()
        return (
            _requests_of(self.request)
            .select_related("deal", "use_case", "requested_by", "champion__account")
            .prefetch_related("product_areas")
            .order_by("-requested_at", "-pk")
        )

    @extend_schema(summary="Your reference requests (the program team: all), newest first")
    def get(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        request=InputSerializer,
        responses={201: ReferenceRequestOutputSerializer},
        summary="Ask for a reference for a deal",
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = request_create(requested_by=acting_user(request), **serializer.validated_data)
        return Response(
            ReferenceRequestOutputSerializer(created).data, status=status.HTTP_201_CREATED
        )


class ReferenceRequestDetailView(APIView):
    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "requests"

    @extend_schema(responses=ReferenceRequestOutputSerializer, summary="One of your requests")
    def get(self, request: Request, request_id: int) -> Response:
        refuse_unknown_params(request, set())
        return Response(ReferenceRequestOutputSerializer(_own_request(request, request_id)).data)


class ReferenceRequestCancelView(APIView):
    permission_classes = [IsSalesOrProgramTeam]
    throttle_scope = "requests"

    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        responses=ReferenceRequestOutputSerializer,
        summary="Cancel one of your requests (closed as cancelled)",
    )
    def post(self, request: Request, request_id: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cancelled = request_complete(
            request=_own_request(request, request_id),
            outcome=RequestOutcome.CANCELLED,
            feedback=serializer.validated_data.get("reason", ""),
            actor=acting_user(request),
            at=timezone.now(),
            source=ActivitySource.API,
        )
        return Response(ReferenceRequestOutputSerializer(cancelled).data)


def _own_request(request: Request, request_id: int) -> ReferenceRequest:
    found = (
        _requests_of(request)
        .select_related("deal", "use_case", "requested_by", "champion__account")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFound("You have no reference request with this id.")
    return found
