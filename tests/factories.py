"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    Activity,
    ActivityKind,
    ActivitySource,
    Champion,
    ChampionState,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    Guild,
    Industry,
    Invitation,
    Membership,
    ProductArea,
    Region,
    SizeBand,
    User,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.django.Password("demo-pass-123")


class StaffFactory(UserFactory):
    is_staff = True


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    domain = factory.Sequence(lambda n: f"customer{n}.example")
    industry = Industry.SOFTWARE
    region = Region.EMEA
    size_band = SizeBand.M


class ProductAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductArea
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.Sequence(lambda n: f"area-{n}")


class ChampionFactory(factory.django.DjangoModelFactory):
    """An active champion with a user, joined 100 days ago unless told otherwise."""

    class Meta:
        model = Champion

    account = factory.SubFactory(AccountFactory)
    email = factory.Sequence(lambda n: f"champion{n}@customer.example")
    full_name = factory.Faker("name")
    title = "Operations lead"
    state = ChampionState.ACTIVE
    joined_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=100))
    state_changed_at = factory.LazyAttribute(lambda o: o.joined_at or timezone.now())
    user = factory.LazyAttribute(
        lambda o: (
            None
            if o.state == ChampionState.INVITED
            else UserFactory(email=o.email, full_name=o.full_name)
        )
    )

    class Params:
        invited = factory.Trait(state=ChampionState.INVITED, joined_at=None)


class GuildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guild
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Guild {n}")
    slug = factory.Sequence(lambda n: f"guild-{n}")
    theme = "Automating month-end reporting"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    guild = factory.SubFactory(GuildFactory)
    champion = factory.SubFactory(ChampionFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    champion = factory.SubFactory(ChampionFactory)
    kind = ActivityKind.ASKED_QUESTION
    level = factory.LazyAttribute(lambda o: ACTIVITY_LEVELS[o.kind])
    occurred_at = factory.LazyFunction(timezone.now)
    source = ActivitySource.PORTAL


class ConsentTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentText
        django_get_or_create = ("scope", "version")

    version = "1"
    body = factory.LazyAttribute(lambda o: f"I agree to be used for {o.scope}.")
    text_hash = factory.LazyAttribute(
        lambda o: __import__("hashlib").sha256(o.body.encode()).hexdigest()
    )


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation sent by the program team (the token itself is not kept)."""

    class Meta:
        model = Invitation

    champion = factory.SubFactory(ChampionFactory, invited=True)
    email = factory.LazyAttribute(lambda o: o.champion.email)
    invited_by_user = factory.SubFactory(StaffFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    champion = factory.SubFactory(ChampionFactory)
    scope = ConsentScope.REFERENCE_CALL
    granted = True
    text_version = "1"
    text_hash = "0" * 64
    method = ConsentMethod.PORTAL
