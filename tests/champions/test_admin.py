"""The admin of the champions core: pages, query counts, actions, the add page, history."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import (
    Account,
    Activity,
    ActivityKind,
    Champion,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    GuildVisibility,
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
)
from champions.roles import Role
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ChampionFactory,
    ConsentRecordFactory,
    ConsentTextFactory,
    GuildFactory,
    InvitationFactory,
    MembershipFactory,
    ProductAreaFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_without_mfa(settings: Any) -> None:
    # The MFA gate in front of the admin has its own tests; these are about the pages behind it.
    settings.ADMIN_REQUIRE_MFA = False


CHAMPIONS_ADMINS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "champions"),
    key=lambda model: model._meta.model_name or "",
)
HISTORY = {Activity, ConsentRecord, Invitation}


def _url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:champions_{model._meta.model_name}_{view}", args=args)


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _act(client: Any, model: Any, action: str, objects: list[Any]) -> Any:
    return client.post(
        _url(model, "changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
    )


def _populate(count: int) -> None:
    """`count` rows in every champions model, each wired to the others like real data."""
    previous: Champion | None = None
    group = Group.objects.get_or_create(name=Role.PROGRAM_MANAGER)[0]
    for _ in range(count):
        area = ProductAreaFactory()
        champion = ChampionFactory(buddy=previous, invited_by=previous)
        champion.product_areas.add(area)
        champion.user.groups.add(group)
        MembershipFactory(champion=champion, role=MembershipRole.LEAD)
        ActivityFactory(champion=champion, guild=champion.guilds.first())
        InvitationFactory(champion=champion, invited_by_champion=previous)
        text = ConsentTextFactory(scope=ConsentScope.QUOTE, version=str(champion.pk))
        ConsentRecordFactory(champion=champion, scope=text.scope, text_version=text.version)
        previous = champion


# --- every page answers, and lists cost the same at any length ------------------------------


@pytest.mark.parametrize("model", CHAMPIONS_ADMINS, ids=lambda m: m._meta.model_name)
def test_every_changelist_and_add_page_answers(admin_client_logged_in: Any, model: Any) -> None:
    _populate(2)
    assert admin_client_logged_in.get(_url(model, "changelist")).status_code == 200
    add_page = admin_client_logged_in.get(_url(model, "add"))
    assert add_page.status_code == (403 if model in HISTORY else 200)


@pytest.mark.parametrize("model", CHAMPIONS_ADMINS, ids=lambda m: m._meta.model_name)
def test_every_change_page_answers(admin_client_logged_in: Any, model: Any) -> None:
    _populate(2)
    obj = model.objects.order_by("pk").last()
    assert admin_client_logged_in.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", CHAMPIONS_ADMINS, ids=lambda m: m._meta.model_name)
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client_logged_in: Any, model: Any
) -> None:
    url = _url(model, "changelist")
    _populate(2)
    admin_client_logged_in.get(url)  # warm the content type and session caches
    with CaptureQueriesContext(connection) as few:
        assert admin_client_logged_in.get(url).status_code == 200
    _populate(28)
    with CaptureQueriesContext(connection) as many:
        response = admin_client_logged_in.get(url)
    assert response.context["cl"].result_count >= 30
    assert len(many) == len(few), "\n".join(query["sql"] for query in many.captured_queries)


# --- the champion actions -------------------------------------------------------------------


def test_activate_moves_onboarding_champions_and_refuses_invited_ones(
    admin_client_logged_in: Any,
) -> None:
    onboarding = ChampionFactory(state=ChampionState.ONBOARDING, full_name="Olga Onboarding")
    invited = ChampionFactory(invited=True, full_name="Ivan Invited")

    response = _act(admin_client_logged_in, Champion, "activate", [onboarding, invited])

    texts = _messages(response)
    assert "Activated: Olga Onboarding." in texts
    assert any("Ivan Invited is invited and cannot become active" in text for text in texts)
    onboarding.refresh_from_db()
    invited.refresh_from_db()
    assert onboarding.state == ChampionState.ACTIVE
    assert invited.state == ChampionState.INVITED


def test_mark_dormant_and_alumni_report_each_champion(admin_client_logged_in: Any) -> None:
    active = ChampionFactory(full_name="Ada Active")
    alumni = ChampionFactory(state=ChampionState.ALUMNI, full_name="Al Alumni")

    dormant_response = _act(admin_client_logged_in, Champion, "mark_dormant", [active, alumni])
    active.refresh_from_db()
    assert active.state == ChampionState.DORMANT
    assert any(
        "Al Alumni is alumni and cannot become dormant" in t for t in _messages(dormant_response)
    )

    alumni_response = _act(admin_client_logged_in, Champion, "mark_alumni", [active, alumni])
    texts = _messages(alumni_response)
    assert "Marked alumni: Ada Active." in texts
    assert any("Al Alumni is alumni and cannot become alumni" in text for text in texts)
    active.refresh_from_db()
    alumni.refresh_from_db()
    assert (active.state, alumni.state) == (ChampionState.ALUMNI, ChampionState.ALUMNI)


def test_send_invitation_emails_invited_champions_and_refuses_joined_ones(
    admin_client_logged_in: Any, staff_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invited = ChampionFactory(invited=True, full_name="Ina Invited")
    joined = ChampionFactory(full_name="Jo Joined")

    with django_capture_on_commit_callbacks(execute=True):
        response = _act(admin_client_logged_in, Champion, "send_invitation", [invited, joined])

    texts = _messages(response)
    assert "Invitation sent to: Ina Invited." in texts
    assert any("Jo Joined has already joined" in text for text in texts)
    assert [message.to for message in mail.outbox] == [[invited.email]]
    assert Invitation.objects.get().invited_by_user == staff_user
    assert not Invitation.objects.filter(champion=joined).exists()


def test_state_cannot_be_edited_on_the_change_page(admin_client_logged_in: Any) -> None:
    champion = ChampionFactory(full_name="Stay Active", tier="community")
    data = {
        "full_name": "Stay Active",
        "title": "Head of ops",
        "tier": "advocate",
        "crm_id": "",
        "timezone": "Europe/Berlin",
        "languages": "en; de",
        "expertise": "reporting",
        "private_notes": "",
        "state": ChampionState.ALUMNI,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "_save": "Save",
    }
    response = admin_client_logged_in.post(_url(Champion, "change", champion.pk), data)

    assert response.status_code == 302
    champion.refresh_from_db()
    assert champion.state == ChampionState.ACTIVE
    assert (champion.tier, champion.languages, champion.timezone) == (
        "advocate",
        ["en", "de"],
        "Europe/Berlin",
    )


def test_export_selected_champions_as_csv(admin_client_logged_in: Any) -> None:
    account = AccountFactory(domain="acme.example")
    chosen = ChampionFactory(account=account, email="ann@acme.example", full_name="Ann Lee")
    ChampionFactory(email="not@chosen.example")

    response = _act(admin_client_logged_in, Champion, "export_csv", [chosen])

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0].startswith("email,full_name,account_domain,")
    assert lines[1].startswith("ann@acme.example,Ann Lee,acme.example,")
    assert len(lines) == 2


def test_export_selected_accounts_as_csv(admin_client_logged_in: Any) -> None:
    account = AccountFactory(name="=HYPERLINK(evil)", domain="acme.example")
    ChampionFactory(account=account)

    response = _act(admin_client_logged_in, Account, "export_csv", [account])

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("name,domain,industry,region,size_band,plan,arr,crm_id")
    # A cell a spreadsheet would run as a formula is written as text.
    assert lines[1].startswith("'=HYPERLINK(evil),acme.example,software,emea,")
    assert len(lines) == 2


# --- the champion add page ------------------------------------------------------------------


def _add_champion(client: Any, **overrides: Any) -> Any:
    data = {
        "account": AccountFactory().pk,
        "email": "new.champion@customer.example",
        "full_name": "Nina New",
        "title": "Finance lead",
        "tier": "community",
        "send_invitation": "on",
        "message": "Welcome aboard!",
        "_save": "Save",
        **overrides,
    }
    return client.post(_url(Champion, "add"), {k: v for k, v in data.items() if v is not None})


def test_add_page_invites_the_champion_and_sends_one_email(
    admin_client_logged_in: Any, staff_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _add_champion(admin_client_logged_in)

    assert response.status_code == 302
    champion = Champion.objects.get(email="new.champion@customer.example")
    assert champion.state == ChampionState.INVITED
    invitation = Invitation.objects.get(champion=champion)
    assert (invitation.invited_by_user, invitation.message) == (staff_user, "Welcome aboard!")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.champion@customer.example"]


def test_add_page_without_invitation_only_creates_the_champion(
    admin_client_logged_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _add_champion(admin_client_logged_in, send_invitation=None)

    assert response.status_code == 302
    assert Champion.objects.get().state == ChampionState.INVITED
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_add_page_refuses_a_duplicate_email_on_the_email_field(
    admin_client_logged_in: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ChampionFactory(email="taken@customer.example", full_name="Tara Taken")

    with django_capture_on_commit_callbacks(execute=True):
        response = _add_champion(admin_client_logged_in, email="Taken@Customer.example")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already belongs to champion Tara Taken" in errors["email"][0]
    assert Champion.objects.count() == 1
    assert not Invitation.objects.exists()
    assert mail.outbox == []


# --- guilds and memberships -----------------------------------------------------------------


def test_approve_requested_memberships_from_the_guild_list(admin_client_logged_in: Any) -> None:
    guild = GuildFactory(visibility=GuildVisibility.PRIVATE)
    requested = MembershipFactory(guild=guild, status=MembershipStatus.REQUESTED)
    MembershipFactory(guild=guild)

    response = _act(admin_client_logged_in, type(guild), "approve_requests", [guild])

    requested.refresh_from_db()
    assert requested.status == MembershipStatus.ACTIVE
    assert _messages(response) == [f"Approved: {requested.champion.full_name} in {guild.name}."]


def test_approve_selected_memberships(admin_client_logged_in: Any) -> None:
    requested = MembershipFactory(status=MembershipStatus.REQUESTED)

    _act(admin_client_logged_in, Membership, "approve", [requested])

    requested.refresh_from_db()
    assert requested.status == MembershipStatus.ACTIVE


def test_make_lead_records_leadership_and_refuses_an_invited_champion(
    admin_client_logged_in: Any,
) -> None:
    member = MembershipFactory()
    invited = MembershipFactory(champion=ChampionFactory(invited=True, full_name="Ivy Invited"))

    response = _act(admin_client_logged_in, Membership, "make_lead", [member, invited])

    member.refresh_from_db()
    invited.refresh_from_db()
    assert member.role == MembershipRole.LEAD
    assert invited.role == MembershipRole.MEMBER
    assert Activity.objects.filter(champion=member.champion, kind=ActivityKind.LED_GUILD).exists()
    assert any(
        "Ivy Invited is invited and cannot hold a guild role" in t for t in _messages(response)
    )


def test_make_deputy(admin_client_logged_in: Any) -> None:
    member = MembershipFactory()

    _act(admin_client_logged_in, Membership, "make_deputy", [member])

    member.refresh_from_db()
    assert member.role == MembershipRole.DEPUTY


def test_membership_add_page_uses_the_guild_rules(admin_client_logged_in: Any) -> None:
    guild = GuildFactory()
    invited = ChampionFactory(invited=True)
    active = ChampionFactory()
    url = _url(Membership, "add")

    refused = admin_client_logged_in.post(
        url, {"guild": guild.pk, "champion": invited.pk, "role": "member", "_save": "Save"}
    )
    added = admin_client_logged_in.post(
        url, {"guild": guild.pk, "champion": active.pk, "role": "deputy", "_save": "Save"}
    )

    assert "cannot hold a guild role" in str(refused.context["adminform"].form.errors)
    assert added.status_code == 302
    assert Membership.objects.get().champion == active


# --- history is not edited here -------------------------------------------------------------


@pytest.mark.parametrize("model", [Activity, ConsentRecord, Invitation], ids=str)
def test_history_cannot_be_changed_or_deleted(admin_client_logged_in: Any, model: Any) -> None:
    _populate(1)
    obj = model.objects.get()

    assert admin_client_logged_in.get(_url(model, "change", obj.pk)).status_code == 200
    assert admin_client_logged_in.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client_logged_in.get(_url(model, "delete", obj.pk)).status_code == 403
    assert (
        admin_client_logged_in.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code
        == 403
    )
    changelist = admin_client_logged_in.get(_url(model, "changelist"))
    action_form = changelist.context["action_form"]  # None when no action is offered at all
    actions = [name for name, _ in action_form.fields["action"].choices] if action_form else []
    assert "delete_selected" not in actions
    assert model.objects.filter(pk=obj.pk).exists()


def test_invitation_token_hash_is_never_shown(admin_client_logged_in: Any) -> None:
    invitation = InvitationFactory(token_hash="f" * 64)

    page = admin_client_logged_in.get(_url(Invitation, "change", invitation.pk))
    listing = admin_client_logged_in.get(_url(Invitation, "changelist"))

    assert "f" * 64 not in page.content.decode()
    assert "f" * 64 not in listing.content.decode()


def test_consent_text_is_published_once_and_never_changed(admin_client_logged_in: Any) -> None:
    data = {"scope": ConsentScope.LOGO, "version": "1", "body": "You may show our logo."}

    added = admin_client_logged_in.post(_url(ConsentText, "add"), {**data, "_save": "Save"})
    again = admin_client_logged_in.post(_url(ConsentText, "add"), {**data, "_save": "Save"})

    text = ConsentText.objects.get()
    assert added.status_code == 302
    assert len(text.text_hash) == 64
    assert "exists already" in str(again.context["adminform"].form.errors["version"])
    changed = admin_client_logged_in.post(
        _url(ConsentText, "change", text.pk), {**data, "body": "Other words."}
    )
    assert changed.status_code == 403
    text.refresh_from_db()
    assert text.body == "You may show our logo."


def test_consent_records_are_listed_with_filters(admin_client_logged_in: Any) -> None:
    ConsentRecordFactory(method=ConsentMethod.EMAIL, granted=False)

    response = admin_client_logged_in.get(
        _url(ConsentRecord, "changelist"), {"granted__exact": "0", "method__exact": "email"}
    )

    assert response.context["cl"].result_count == 1


# --- who may import -------------------------------------------------------------------------


def test_import_button_shows_only_to_users_who_may_add(client: Any) -> None:
    sales = StaffFactory()
    sales.groups.add(Group.objects.get(name=Role.SALES))
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name=Role.PROGRAM_MANAGER))
    import_url = _url(Champion, "import")

    client.force_login(manager)
    assert import_url in client.get(_url(Champion, "changelist")).content.decode()
    assert client.get(import_url).status_code == 200

    client.force_login(sales)
    assert import_url not in client.get(_url(Champion, "changelist")).content.decode()
    assert client.get(import_url).status_code == 403
    assert client.get(_url(Champion, "import_preview")).status_code == 403


def test_champion_and_account_search(admin_client_logged_in: Any) -> None:
    account = AccountFactory(name="Globex", domain="globex.example")
    ChampionFactory(account=account, full_name="Gina Globex")
    ChampionFactory(full_name="Someone Else")

    by_domain = admin_client_logged_in.get(_url(Champion, "changelist"), {"q": "globex.example"})
    by_account = admin_client_logged_in.get(_url(Account, "changelist"), {"q": "globex"})

    assert [c.full_name for c in by_domain.context["cl"].result_list] == ["Gina Globex"]
    assert [a.name for a in by_account.context["cl"].result_list] == ["Globex"]


def test_user_list_shows_roles(admin_client_logged_in: Any) -> None:
    user = UserFactory(email="pm@example.com")
    user.groups.add(Group.objects.get(name=Role.PROGRAM_MANAGER))

    response = admin_client_logged_in.get(reverse("admin:champions_user_changelist"))

    assert Role.PROGRAM_MANAGER in response.content.decode()


def test_champions_leave_as_alumni_and_are_not_deleted_here(admin_client_logged_in: Any) -> None:
    champion = ChampionFactory()
    ActivityFactory(champion=champion)

    page = admin_client_logged_in.get(_url(Champion, "delete", champion.pk))
    changelist = admin_client_logged_in.get(_url(Champion, "changelist"))

    assert page.status_code == 403
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert "mark_alumni" in actions
    assert Activity.objects.filter(champion=champion).exists()
