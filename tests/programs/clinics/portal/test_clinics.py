"""Clinics in the portal: search, ask, answer, helpful, accept, builds-on; two champions in two
accounts, Markdown through the safe renderer, query budgets, forms that write nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from champions.models import GuildVisibility
from programs.clinics import services
from programs.clinics.models import Answer, HelpfulMark, Question, QuestionStatus
from tests.factories import ChampionFactory, GuildFactory, MembershipFactory
from tests.programs.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db


def _url(name: str, *args: Any) -> str:
    return reverse(f"portal:clinics:{name}", args=args)


@pytest.fixture
def guild(champion_a: Any, champion_b: Any) -> Any:
    guild = GuildFactory(name="Finance ops", slug="finance-ops")
    MembershipFactory(guild=guild, champion=champion_a)
    MembershipFactory(guild=guild, champion=champion_b)
    return guild


@pytest.fixture
def question(guild: Any, champion_a: Any) -> Question:
    return services.question_ask(
        asker=champion_a,
        guild=guild,
        title="How do I schedule the monthly export?",
        body="We export **by hand**.\n\n<script>alert(1)</script>",
        tags=["export", "reporting"],
    )


def test_list_and_search_by_title_body_and_tag(client_a: Client, question: Question) -> None:
    QuestionFactory(
        guild=question.guild, title="Dashboards for sales", body="Pipeline view.", tags=["crm"]
    )
    page = client_a.get(_url("index")).content.decode()
    assert question.title in page and "Dashboards for sales" in page
    for term in ("monthly", "schedule the", "REPORTING"):
        found = client_a.get(_url("index"), {"q": term}).content.decode()
        assert question.title in found and "Dashboards for sales" not in found, term
    nothing = client_a.get(_url("index"), {"q": "kubernetes"}).content.decode()
    assert "No question matches" in nothing


def test_list_filters_by_guild_and_status(client_a: Client, question: Question) -> None:
    other = QuestionFactory(guild=GuildFactory(slug="other"), title="Elsewhere")
    by_guild = client_a.get(_url("index"), {"guild": "finance-ops"}).content.decode()
    assert question.title in by_guild and other.title not in by_guild
    solved = client_a.get(_url("index"), {"status": "solved"}).content.decode()
    assert question.title not in solved


def test_questions_of_a_hidden_guild_are_404_for_others(
    client_a: Client, client_b: Client, champion_b: Any
) -> None:
    hidden = GuildFactory(slug="b-circle", visibility=GuildVisibility.HIDDEN)
    MembershipFactory(guild=hidden, champion=champion_b)
    secret = services.question_ask(
        asker=champion_b, guild=hidden, title="Secret plan", body="Only for us."
    )
    reply = AnswerFactory(question=secret, author=champion_b)
    assert client_a.get(_url("detail", secret.pk)).status_code == 404
    assert client_a.post(_url("answer", secret.pk), {"body": "Hi"}).status_code == 404
    assert client_a.post(_url("helpful", reply.pk)).status_code == 404
    assert client_a.post(_url("accept", reply.pk)).status_code == 404
    assert "Secret plan" not in client_a.get(_url("index"), {"q": "secret"}).content.decode()
    assert not HelpfulMark.objects.exists()
    assert client_b.get(_url("detail", secret.pk)).status_code == 200


def test_ask_offers_only_guilds_i_may_post_in_and_ignores_owner_fields(
    client_a: Client, champion_a: Any, champion_b: Any, guild: Any
) -> None:
    private = GuildFactory(name="Private club", slug="private", visibility=GuildVisibility.PRIVATE)
    form_page = client_a.get(_url("ask")).content.decode()
    assert "Finance ops" in form_page and "Private club" not in form_page
    refused = client_a.post(
        _url("ask"), {"guild": private.pk, "title": "Let me in", "body": "Please"}
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    response = client_a.post(
        _url("ask"),
        {
            "guild": guild.pk,
            "title": "Where is the API key?",
            "body": "Looking for it.",
            "tags": "api, Keys",
            "asker": champion_b.pk,
            "status": "solved",
        },
    )
    assert response.status_code == 302
    asked = Question.objects.get(title="Where is the API key?")
    assert asked.asker == champion_a
    assert asked.status == QuestionStatus.OPEN
    assert asked.tags == ["api", "keys"]


def test_ask_with_missing_fields_shows_errors_and_posts_nothing(
    client_a: Client, guild: Any
) -> None:
    response = client_a.post(_url("ask"), {"guild": guild.pk, "title": "", "body": " "})
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required" in page
    assert not Question.objects.exists()


def test_question_page_renders_markdown_safely(client_a: Client, question: Question) -> None:
    page = client_a.get(_url("detail", question.pk)).content.decode()
    assert "<strong>by hand</strong>" in page
    assert "<script>alert(1)</script>" not in page


def test_answer_then_helpful_then_accept_records_the_askers_first_value(
    client_a: Client, client_b: Client, champion_a: Any, champion_b: Any, question: Question
) -> None:
    response = client_b.post(
        _url("answer", question.pk), {"body": "Use `schedule`.", "author": champion_a.pk}
    )
    assert response.status_code == 302
    answer = Answer.objects.get(question=question)
    assert answer.author == champion_b
    question.refresh_from_db()
    assert question.status == QuestionStatus.ANSWERED
    # B cannot mark their own answer helpful, and cannot accept on A's question.
    page = client_b.post(_url("helpful", answer.pk), follow=True).content.decode()
    assert "cannot mark your own answer" in page
    assert client_b.post(_url("accept", answer.pk)).status_code == 404
    response = client_a.post(_url("helpful", answer.pk), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert "You found this helpful" in fragment and "<html" not in fragment
    assert "first value moment" in fragment
    champion_a.refresh_from_db()
    assert champion_a.first_value_at is not None
    client_a.post(_url("accept", answer.pk))
    question.refresh_from_db()
    assert question.status == QuestionStatus.SOLVED
    page = client_a.get(_url("detail", question.pk)).content.decode()
    assert "Accepted answer" in page and "Ask a follow-up question" in page


def test_empty_answer_is_refused_on_the_form(client_b: Client, question: Question) -> None:
    response = client_b.post(_url("answer", question.pk), {"body": ""})
    assert "This field is required" in response.content.decode()
    assert not Answer.objects.exists()


def test_builds_on_a_solved_question(
    client_a: Client, client_b: Client, champion_a: Any, champion_b: Any, guild: Any
) -> None:
    earlier = QuestionFactory(
        guild=guild,
        asker=champion_b,
        title="Export basics",
        status=QuestionStatus.SOLVED,
        posted_at=timezone.now() - timezone.timedelta(days=3),
    )
    unsolved = QuestionFactory(
        guild=guild, title="Unsolved", posted_at=timezone.now() - timezone.timedelta(days=2)
    )
    later = services.question_ask(asker=champion_a, guild=guild, title="Export v2", body="More.")
    page = client_a.get(_url("detail", later.pk)).content.decode()
    assert "Export basics" in page and ">Unsolved<" not in page
    assert client_b.post(_url("builds_on", later.pk), {"builds_on": earlier.pk}).status_code == 404
    refused = client_a.post(_url("builds_on", later.pk), {"builds_on": unsolved.pk})
    assert "Select a valid choice" in refused.content.decode()
    assert client_a.post(_url("builds_on", later.pk), {"builds_on": earlier.pk}).status_code == 302
    later.refresh_from_db()
    assert later.builds_on == earlier
    assert "Export v2" in client_a.get(_url("detail", earlier.pk)).content.decode()
    follow_up = client_a.get(_url("ask"), {"builds_on": earlier.pk}).content.decode()
    assert "builds on the solved question" in follow_up


def test_list_query_count_is_the_same_for_few_and_many_questions(
    client_a: Client, guild: Any, question: Question, django_assert_max_num_queries: Any
) -> None:
    def count(**params: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(_url("index"), params).status_code == 200
        return len(queries)

    few, few_search = count(), count(q="export month", guild="finance-ops")
    for _ in range(30):
        AnswerFactory(question=QuestionFactory(guild=guild, asker=ChampionFactory()))
    assert (count(), count(q="export month", guild="finance-ops")) == (few, few_search)
    with django_assert_max_num_queries(8):
        client_a.get(_url("index"), {"q": "automate", "status": "unsolved", "page": "2"})


def test_question_page_query_count_does_not_grow_with_answers(
    client_a: Client, question: Question, django_assert_max_num_queries: Any
) -> None:
    AnswerFactory(question=question)
    with CaptureQueriesContext(connection) as few:
        client_a.get(_url("detail", question.pk))
    for _ in range(20):
        AnswerFactory(question=question)
    with django_assert_max_num_queries(len(few)):
        assert client_a.get(_url("detail", question.pk)).status_code == 200


def test_home_shows_open_questions_matching_my_expertise(
    client_b: Client, champion_b: Any, question: Question
) -> None:
    page = client_b.get(reverse("portal:home")).content.decode()
    assert "Add my skills" in page
    champion_b.expertise = ["Export"]
    champion_b.save()
    page = client_b.get(reverse("portal:home")).content.decode()
    assert question.title in page
    champion_b.expertise = ["Salesforce"]
    champion_b.save()
    assert question.title not in client_b.get(reverse("portal:home")).content.decode()


def test_guild_page_lists_the_guilds_questions(client_a: Client, question: Question) -> None:
    page = client_a.get(reverse("portal:guild", args=["finance-ops"])).content.decode()
    assert question.title in page


def test_ask_page_query_count_does_not_grow_with_guilds_or_solved_questions(
    client_a: Client, champion_a: Any, question: Question, django_assert_max_num_queries: Any
) -> None:
    with CaptureQueriesContext(connection) as few:
        assert client_a.get(_url("ask"), {"builds_on": question.pk}).status_code == 200
    for _ in range(15):
        guild = GuildFactory()
        MembershipFactory(guild=guild, champion=champion_a)
        QuestionFactory(guild=guild, status=QuestionStatus.SOLVED)
    with django_assert_max_num_queries(len(few)):
        assert client_a.get(_url("ask"), {"builds_on": question.pk}).status_code == 200
