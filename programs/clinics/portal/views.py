"""Clinics in the portal: search, ask, a question with its answers, answer, mark helpful,
accept, link "builds on". Thin doors into `programs.clinics.services`; questions and answers
are looked up through the champion (`selectors.questions_visible_to`), so anything they may
not see is 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from champions.errors import DomainError
from champions.models import Champion
from champions.portal.decorators import PortalRequest, portal_view
from champions.portal.views._common import back_to, form_error, refused
from programs.clinics import services
from programs.clinics.models import Answer, Question, QuestionStatus
from programs.clinics.portal import selectors
from programs.clinics.portal.forms import AnswerForm, AskForm, BuildsOnForm, QuestionFilterForm
from programs.clinics.selectors import answer_body_html, question_body_html

PAGE_SIZE = 20
FIRST_VALUE_MESSAGE = (
    "A peer's answer helped you: that is your first value moment in the program. "
    "Pass it on by answering someone else's question."
)


def _visible_question(request: PortalRequest, pk: int) -> Question:
    question = selectors.questions_visible_to(champion=request.champion).filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


def _visible_answer(request: PortalRequest, pk: int) -> Answer:
    visible = selectors.questions_visible_to(champion=request.champion).values("pk")
    answer = (
        selectors.shown_answers()
        .filter(pk=pk, question__in=visible)
        .select_related("question")
        .first()
    )
    if answer is None:
        raise Http404
    return answer


@portal_view
def question_list(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    form = QuestionFilterForm(
        request.GET or None, guilds=selectors.guilds_visible_for_questions(champion=champion)
    )
    filters = form.filters()
    questions = selectors.questions_visible_to(champion=champion)
    if filters["q"]:
        questions = selectors.question_search(questions, filters["q"])
    if filters["guild"] is not None:
        questions = questions.filter(guild=filters["guild"])
    if filters["status"] == "solved":
        questions = questions.filter(status=QuestionStatus.SOLVED)
    elif filters["status"] == "unsolved":
        questions = questions.exclude(status=QuestionStatus.SOLVED)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "filters": filters, "page": page, "query": query.urlencode()}
    return render(request, "clinics/portal/list.html", context)


@require_http_methods(["GET", "POST"])
@portal_view
def ask(request: PortalRequest) -> HttpResponse:
    champion = request.champion
    solved = selectors.questions_visible_to(champion=champion).filter(status=QuestionStatus.SOLVED)
    initial = {"guild": request.GET.get("guild"), "builds_on": request.GET.get("builds_on")}
    form = AskForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        guilds=selectors.guilds_to_ask_in(champion=champion),
        solved=solved,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question = services.question_ask(
                asker=champion,
                guild=data["guild"],
                title=data["title"],
                body=data["body"],
                tags=data["tags"],
                builds_on=data["builds_on"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Your question is posted. Peers who know the topic are told.")
            return back_to(request, "portal:clinics:detail", question.pk)
    builds_on = _builds_on_shown(form, solved)
    return render(request, "clinics/portal/ask.html", {"form": form, "builds_on": builds_on})


def _builds_on_shown(form: AskForm, solved: QuerySet[Question]) -> Question | None:
    """The solved question a follow-up continues, to name it above the form."""
    value = form["builds_on"].value()
    if not value:
        return None
    try:
        return solved.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


def _detail_context(
    request: PortalRequest,
    question: Question,
    *,
    answer_form: AnswerForm | None = None,
    builds_on_form: BuildsOnForm | None = None,
) -> dict[str, Any]:
    champion = request.champion
    is_asker = question.asker_id == champion.pk
    answers = list(selectors.answers_for(question=question, user_id=request.user.pk))
    for answer in answers:
        answer.body_html = answer_body_html(answer)  # type: ignore[attr-defined]
    visible = selectors.questions_visible_to(champion=champion)
    builds_on = visible.filter(pk=question.builds_on_id).first() if question.builds_on_id else None
    continued_by = list(visible.filter(builds_on=question).order_by("posted_at")[:20])
    if is_asker and builds_on is None and builds_on_form is None:
        choices = selectors.solved_questions_to_build_on(question=question)
        builds_on_form = BuildsOnForm(choices=choices) if choices else None
    return {
        "question": question,
        "body_html": question_body_html(question),
        "answers": answers,
        "is_asker": is_asker,
        "builds_on": builds_on,
        "continued_by": continued_by,
        "answer_form": answer_form or AnswerForm(),
        "builds_on_form": builds_on_form,
    }


@portal_view
def question_detail(request: PortalRequest, pk: int) -> HttpResponse:
    question = _visible_question(request, pk)
    return render(request, "clinics/portal/detail.html", _detail_context(request, question))


@require_POST
@portal_view
def answer(request: PortalRequest, pk: int) -> HttpResponse:
    question = _visible_question(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            posted = services.answer_post(
                question=question,
                author_user=request.user,  # type: ignore[arg-type]
                body=form.cleaned_data["body"],
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Thank you: your answer is posted.")
            return back_to(request, "portal:clinics:detail", question.pk, anchor=f"a{posted.pk}")
    context = _detail_context(request, question, answer_form=form)
    return render(request, "clinics/portal/detail.html", context)


def _tell_first_value(request: PortalRequest, champion: Champion) -> None:
    """The asker's first value moment, if this action just recorded it."""
    before = champion.first_value_at
    champion.refresh_from_db(fields=["first_value_at"])
    if before is None and champion.first_value_at is not None:
        messages.success(request, FIRST_VALUE_MESSAGE)


def _answer_changed(request: PortalRequest, answer: Answer) -> HttpResponse:
    if request.htmx:
        fresh = selectors.answers_for(question=answer.question, user_id=request.user.pk).get(
            pk=answer.pk
        )
        fresh.body_html = answer_body_html(fresh)  # type: ignore[attr-defined]
        context = {
            "answer": fresh,
            "question": answer.question,
            "is_asker": answer.question.asker_id == request.champion.pk,
        }
        return render(request, "clinics/portal/_answer.html", context)
    return back_to(request, "portal:clinics:detail", answer.question_id, anchor=f"a{answer.pk}")


@require_POST
@portal_view
def mark_helpful(request: PortalRequest, pk: int) -> HttpResponse:
    found = _visible_answer(request, pk)
    try:
        services.answer_mark_helpful(answer=found, user=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, "Marked as helpful. The author will be glad.")
        _tell_first_value(request, request.champion)
    return _answer_changed(request, found)


@require_POST
@portal_view
def accept(request: PortalRequest, pk: int) -> HttpResponse:
    found = _visible_answer(request, pk)
    if found.question.asker_id != request.champion.pk:
        raise Http404  # only the asker accepts in the portal; moderators use the admin
    try:
        services.answer_accept(answer=found, user=request.user)  # type: ignore[arg-type]
    except DomainError as error:
        refused(request, error)
    else:
        messages.success(request, "Answer accepted: your question is solved.")
        _tell_first_value(request, request.champion)
    return back_to(request, "portal:clinics:detail", found.question_id, anchor=f"a{found.pk}")


@require_POST
@portal_view
def link_builds_on(request: PortalRequest, pk: int) -> HttpResponse:
    question = _visible_question(request, pk)
    if question.asker_id != request.champion.pk:
        raise Http404
    form = BuildsOnForm(
        request.POST, choices=selectors.solved_questions_to_build_on(question=question)
    )
    if form.is_valid():
        try:
            services.question_link_builds_on(
                question=question,
                builds_on=form.chosen(),
                user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, "Linked: readers can follow the chain of solved problems.")
            return back_to(request, "portal:clinics:detail", question.pk)
    context = _detail_context(request, question, builds_on_form=form)
    return render(request, "clinics/portal/detail.html", context)
