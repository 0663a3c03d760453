"""Clinic Q&A in the admin: moderators read, correct wording and accept answers.

Status, acceptance and helpful marks change only through the services (admin actions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from champions.errors import DomainError
from champions.models import ActivitySource, User
from programs.clinics import selectors, services
from programs.clinics.models import Answer, HelpfulMark, Question

# The admin classes are generic only to the type checker (django-stubs), not at run time.
if TYPE_CHECKING:
    QuestionAdminBase = admin.ModelAdmin[Question]
    AnswerAdminBase = admin.ModelAdmin[Answer]
    HelpfulMarkAdminBase = admin.ModelAdmin[HelpfulMark]
    AnswerInlineBase = admin.StackedInline[Answer, Question]
else:
    QuestionAdminBase = AnswerAdminBase = HelpfulMarkAdminBase = admin.ModelAdmin
    AnswerInlineBase = admin.StackedInline


def _apply(
    request: HttpRequest, queryset: QuerySet[Any], service: Callable[[Any], object], done: str
) -> None:
    """Run a service per selected row; report refusals by name instead of failing them all."""
    succeeded = 0
    for obj in queryset:
        try:
            service(obj)
        except DomainError as error:
            messages.error(request, f"{obj}: {error.message}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, f"{done}: {succeeded}.")


class AnswerInline(AnswerInlineBase):
    model = Answer
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "author",
        "author_user",
        "is_staff_answer",
        "posted_at",
        "accepted_at",
        "accepted_by",
        "rendered_body",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return (
            super()
            .get_queryset(request)
            .select_related("author__account", "author_user", "accepted_by")
        )

    def has_add_permission(self, request: HttpRequest, obj: Question | None = None) -> bool:
        return False

    @admin.display(description="Answer")
    def rendered_body(self, answer: Answer) -> SafeString:
        return selectors.answer_body_html(answer)


@admin.register(Question)
class QuestionAdmin(QuestionAdminBase):
    list_display = ("title", "guild", "asker", "status", "answers", "posted_at")
    list_filter = ("status", "guild")
    list_select_related = ("guild", "asker__account")
    search_fields = ("title", "body", "asker__full_name", "asker__email")
    date_hierarchy = "posted_at"
    raw_id_fields = ("asker", "builds_on")
    readonly_fields = ("status", "posted_at", "solved_at", "rendered_body")
    fields = (
        "guild",
        "asker",
        "title",
        "body",
        "rendered_body",
        "tags",
        "builds_on",
        "status",
        "posted_at",
        "solved_at",
    )
    inlines = (AnswerInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Question]:
        return selectors.questions_with_counts()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # champions ask in the portal, which records the activity

    @admin.display(ordering="answer_count")
    def answers(self, question: Question) -> int:
        return question.answer_count  # type: ignore[attr-defined]

    @admin.display(description="Rendered")
    def rendered_body(self, question: Question) -> SafeString:
        return selectors.question_body_html(question)


@admin.register(Answer)
class AnswerAdmin(AnswerAdminBase):
    list_display = (
        "question",
        "author",
        "author_user",
        "is_staff_answer",
        "posted_at",
        "accepted_at",
        "helpful",
    )
    list_filter = ("is_staff_answer", "question__guild")
    list_select_related = ("question", "author__account", "author_user")
    search_fields = ("body", "question__title", "author__full_name", "author_user__email")
    date_hierarchy = "posted_at"
    actions = ("accept",)
    readonly_fields = (
        "question",
        "author",
        "author_user",
        "is_staff_answer",
        "posted_at",
        "accepted_at",
        "accepted_by",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).annotate(helpful_count=Count("helpful_marks"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(ordering="helpful_count", description="Helpful marks")
    def helpful(self, answer: Answer) -> int:
        return answer.helpful_count  # type: ignore[attr-defined]

    @admin.action(description="Accept selected answers (solves their questions)")
    def accept(self, request: HttpRequest, queryset: QuerySet[Answer]) -> None:
        user = cast(User, request.user)  # the admin only lets signed-in staff in
        _apply(
            request,
            queryset,
            lambda answer: services.answer_accept(
                answer=answer, user=user, source=ActivitySource.ADMIN
            ),
            "Accepted",
        )


@admin.register(HelpfulMark)
class HelpfulMarkAdmin(HelpfulMarkAdminBase):
    list_display = ("answer", "user", "created_at")
    list_select_related = ("answer__question", "user")
    search_fields = ("user__email", "answer__question__title")
    readonly_fields = ("answer", "user", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
