"""The champions core: who the program's people are and what they did.

State changes happen in `champions.services`; these classes hold data and its constraints only.
"""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now


@functools.cache
def known_timezones() -> frozenset[str]:
    """The IANA zone names; reading them scans the zone database, so once per process."""
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(f"“{value}” is not a known time zone (for example Europe/Berlin).")


def zone_or_utc(name: str | None) -> zoneinfo.ZoneInfo:
    """The named time zone, or UTC when the name is empty or unknown (for display only)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def empty_list() -> list[str]:
    return []


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: program team (staff), sales, champions. Logs in by email."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_staff = models.BooleanField(
        default=False, help_text="Program team: may use the admin, invisible in every metric."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        indexes = [
            # The few staff users, whom every metric computation leaves out, without a scan
            # of every user (programs.metrics.scope).
            models.Index(fields=["id"], condition=Q(is_staff=True), name="user_staff"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Industry(models.TextChoices):
    FINTECH = "fintech", "Financial services"
    HEALTHCARE = "healthcare", "Healthcare"
    MANUFACTURING = "manufacturing", "Manufacturing"
    RETAIL = "retail", "Retail & e-commerce"
    SOFTWARE = "software", "Software & SaaS"
    LOGISTICS = "logistics", "Logistics"
    EDUCATION = "education", "Education"
    PUBLIC = "public", "Public sector"
    MEDIA = "media", "Media"
    ENERGY = "energy", "Energy & utilities"


class Region(models.TextChoices):
    EMEA = "emea", "EMEA"
    NA = "na", "North America"
    LATAM = "latam", "Latin America"
    APAC = "apac", "APAC"


class SizeBand(models.TextChoices):
    """Employee count of the customer company, in the bands sales talks about."""

    XS = "1-49", "1–49"
    S = "50-199", "50–199"
    M = "200-999", "200–999"
    L = "1000-4999", "1,000–4,999"
    XL = "5000+", "5,000+"


class Plan(models.TextChoices):
    STARTER = "starter", "Starter"
    PROFESSIONAL = "professional", "Professional"
    ENTERPRISE = "enterprise", "Enterprise"


class Account(models.Model):
    """A customer company."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="For example acme.com.")
    industry = models.CharField(max_length=32, choices=Industry.choices)
    region = models.CharField(max_length=16, choices=Region.choices)
    size_band = models.CharField(max_length=16, choices=SizeBand.choices)
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.PROFESSIONAL)
    arr = models.DecimalField(
        "ARR", max_digits=14, decimal_places=2, default=0, help_text="Annual recurring revenue."
    )
    crm_id = models.CharField("CRM id", max_length=64, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("domain"), condition=~Q(domain=""), name="account_domain_unique_ci"
            ),
            models.UniqueConstraint(
                fields=["crm_id"], condition=~Q(crm_id=""), name="account_crm_id_unique"
            ),
            models.CheckConstraint(condition=Q(arr__gte=0), name="account_arr_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductArea(models.Model):
    """A part of the vendor's product; champions, templates and stories are tagged with them."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChampionState(models.TextChoices):
    INVITED = "invited", "Invited"
    ONBOARDING = "onboarding", "Onboarding"
    ACTIVE = "active", "Active"
    DORMANT = "dormant", "Dormant"
    ALUMNI = "alumni", "Alumni"


class ChampionTier(models.TextChoices):
    COMMUNITY = "community", "Community"
    ADVOCATE = "advocate", "Advocate"
    AMBASSADOR = "ambassador", "Ambassador"


class Champion(models.Model):
    """A customer's power user in the program, from invitation to alumni.

    A champion who changes company becomes alumni at the old account and points to the
    champion record at the new one (`successor`), so both histories stay intact.
    """

    user = models.ForeignKey(
        "champions.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="champion_records",
        help_text="Empty until the champion accepts their invitation.",
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="champions")
    email = models.EmailField()
    full_name = models.CharField(max_length=200)
    title = models.CharField("job title", max_length=200, blank=True)
    tier = models.CharField(
        max_length=16, choices=ChampionTier.choices, default=ChampionTier.COMMUNITY
    )
    expertise = models.JSONField(default=empty_list, blank=True, help_text="Skills, free text.")
    interests = models.JSONField(
        default=empty_list, blank=True, help_text="What they want to learn or discuss, free text."
    )
    product_areas = models.ManyToManyField(ProductArea, blank=True, related_name="champions")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    languages = models.JSONField(
        default=empty_list, blank=True, help_text="ISO 639-1 codes, for example en, de."
    )
    crm_id = models.CharField("CRM id", max_length=64, blank=True)
    buddy = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="buddy_of"
    )
    buddy_paired_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitees",
        help_text="The champion whose peer invitation brought this one in.",
    )
    joined_at = models.DateTimeField(null=True, blank=True)
    first_value_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The first value moment (METRICS.md): recorded when reached, for onboarding.",
    )
    state = models.CharField(
        max_length=16, choices=ChampionState.choices, default=ChampionState.INVITED
    )
    state_changed_at = models.DateTimeField(default=now)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="The champion record at the new company, after a move.",
    )
    private_notes = models.TextField(
        blank=True, help_text="Program team only; never shown to sales or sent to the CRM."
    )
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    reference_call_consent_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the current reference-call consent was given; empty while the latest "
        "record is a withdrawal or there is none. Kept by ConsentRecord.",
    )

    class Meta:
        ordering = ["full_name"]
        constraints = [
            # Alumni keep their old record, so only one live record per email or user.
            models.UniqueConstraint(
                Lower("email"),
                condition=~Q(state=ChampionState.ALUMNI),
                name="champion_email_unique_ci_live",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=~Q(state=ChampionState.ALUMNI) & Q(user__isnull=False),
                name="champion_user_unique_live",
            ),
            models.CheckConstraint(
                condition=~Q(buddy=models.F("id")), name="champion_not_own_buddy"
            ),
            models.CheckConstraint(
                condition=Q(joined_at__isnull=False) | Q(state=ChampionState.INVITED),
                name="champion_joined_unless_invited",
            ),
        ]
        indexes = [
            models.Index(fields=["state"]),
            models.Index(fields=["account", "state"]),
            # Reference search pages walk champions in name order (cursor pagination).
            models.Index(fields=["full_name", "id"], name="champion_name_order"),
            # ... and only those sales may call: the walk reads this index alone.
            models.Index(
                fields=["full_name", "id"],
                include=["account", "user", "joined_at", "reference_call_consent_at"],
                condition=Q(
                    state=ChampionState.ACTIVE,
                    erased_at__isnull=True,
                    reference_call_consent_at__isnull=False,
                ),
                name="champion_reference_pool",
            ),
            # The few erased champions, whom every metric computation leaves out, without a
            # scan of every champion (programs.metrics.scope).
            models.Index(
                fields=["erased_at"],
                condition=Q(erased_at__isnull=False),
                name="champion_erased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.account.name})" if self.account_id else self.full_name


class GuildVisibility(models.TextChoices):
    PUBLIC = "public", "Public: anyone may join"
    PRIVATE = "private", "Private: visible, joining needs approval"
    HIDDEN = "hidden", "Hidden: members only, by invitation"


class Guild(models.Model):
    """Champions with a shared challenge who meet, help each other and share practice."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    theme = models.CharField(max_length=200, help_text="The shared challenge, in one line.")
    description = models.TextField(blank=True)
    visibility = models.CharField(
        max_length=16, choices=GuildVisibility.choices, default=GuildVisibility.PUBLIC
    )
    created_at = models.DateTimeField(default=now)
    members = models.ManyToManyField(Champion, through="Membership", related_name="guilds")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    MEMBER = "member", "Member"
    DEPUTY = "deputy", "Deputy lead"
    LEAD = "lead", "Lead"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REQUESTED = "requested", "Requested (awaiting approval)"


class Membership(models.Model):
    guild = models.ForeignKey(Guild, on_delete=models.CASCADE, related_name="memberships")
    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(
        max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    joined_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["guild__name", "champion__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["guild", "champion"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.champion.full_name} in {self.guild.name} ({self.role})"


class Invitation(models.Model):
    """An invitation into the program, sent by the program team or by a champion (peer).

    Only a hash of the token is stored: the link in the email is the one copy of the secret.
    """

    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_by_user = models.ForeignKey(
        "champions.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    invited_by_champion = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="peer_invitations_sent",
    )
    message = models.TextField(blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["sent_at"]), models.Index(fields=["accepted_at"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_peer(self) -> bool:
        return self.invited_by_champion_id is not None


class ActivityLevel(models.IntegerChoices):
    OBSERVER = 1, "Observer"
    PARTICIPANT = 2, "Participant"
    CONTRIBUTOR = 3, "Contributor"
    LEADER = 4, "Leader"


class ActivityKind(models.TextChoices):
    """The kinds of METRICS.md; each has one level (`ACTIVITY_LEVELS`)."""

    LOGIN = "login", "Login"
    PAGE_VIEW = "page_view", "Page view"
    TEMPLATE_VIEWED = "template_viewed", "Template viewed"
    RSVP = "rsvp", "RSVP"
    ATTENDED_EVENT = "attended_event", "Attended event"
    ASKED_QUESTION = "asked_question", "Asked question"
    REUSED_TEMPLATE = "reused_template", "Downloaded or reused template"
    ACCEPTED_INVITATION = "accepted_invitation", "Accepted invitation"
    ANSWERED_QUESTION = "answered_question", "Answered question"
    SHARED_TEMPLATE = "shared_template", "Shared template"
    PRESENTED_AT_DEMO = "presented_at_demo", "Presented at demo"
    GAVE_REFERENCE = "gave_reference", "Gave reference"
    WROTE_STORY = "wrote_story", "Wrote story"
    INVITED_PEER = "invited_peer", "Invited peer"
    HOSTED_CLINIC = "hosted_clinic", "Hosted clinic"
    MODERATED = "moderated", "Moderated"
    MENTORED_AS_BUDDY = "mentored_as_buddy", "Mentored as buddy"
    LED_GUILD = "led_guild", "Led guild"


_K, _L = ActivityKind, ActivityLevel
ACTIVITY_LEVELS: dict[str, int] = {
    _K.LOGIN: _L.OBSERVER,
    _K.PAGE_VIEW: _L.OBSERVER,
    _K.TEMPLATE_VIEWED: _L.OBSERVER,
    _K.RSVP: _L.PARTICIPANT,
    _K.ATTENDED_EVENT: _L.PARTICIPANT,
    _K.ASKED_QUESTION: _L.PARTICIPANT,
    _K.REUSED_TEMPLATE: _L.PARTICIPANT,
    _K.ACCEPTED_INVITATION: _L.PARTICIPANT,
    _K.ANSWERED_QUESTION: _L.CONTRIBUTOR,
    _K.SHARED_TEMPLATE: _L.CONTRIBUTOR,
    _K.PRESENTED_AT_DEMO: _L.CONTRIBUTOR,
    _K.GAVE_REFERENCE: _L.CONTRIBUTOR,
    _K.WROTE_STORY: _L.CONTRIBUTOR,
    _K.INVITED_PEER: _L.CONTRIBUTOR,
    _K.HOSTED_CLINIC: _L.LEADER,
    _K.MODERATED: _L.LEADER,
    _K.MENTORED_AS_BUDDY: _L.LEADER,
    _K.LED_GUILD: _L.LEADER,
}
del _K, _L


class ActivitySource(models.TextChoices):
    PORTAL = "portal", "Portal"
    ADMIN = "admin", "Admin"
    API = "api", "API"
    IMPORT = "import", "Import"
    CRM = "crm", "CRM"
    SYSTEM = "system", "System"


class Activity(models.Model):
    """The append-only event log every metric is computed from.

    `level` is the kind's level from METRICS.md, stored so metrics can filter on it in SQL;
    any level above observer is a contribution. Moderator actions may have no champion: they
    count whoever takes them, so `actor` records the user.
    """

    # No index of its own: `activity_champion_time_level` leads with it.
    champion = models.ForeignKey(
        Champion,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        db_index=False,
    )
    actor = models.ForeignKey(
        "champions.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=ActivityKind.choices)
    level = models.PositiveSmallIntegerField(choices=ActivityLevel.choices)
    occurred_at = models.DateTimeField(db_index=True)
    # No index of its own: the index on (guild, occurred_at) leads with it.
    guild = models.ForeignKey(
        Guild,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        db_index=False,
    )
    source = models.CharField(max_length=16, choices=ActivitySource.choices)
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    metadata = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "activities"
        indexes = [
            # Covering the level: a cohort's contributions month by month (retention) are
            # read from the index alone.
            models.Index(
                fields=["champion", "occurred_at"],
                include=["level"],
                name="activity_champion_time_level",
            ),
            # Covering: the metrics read a window's attendance, hosting, reuse and buddy
            # pairings (their subjects) from the index alone (programs.metrics, window.py).
            models.Index(
                fields=["kind", "occurred_at"],
                include=["champion", "subject_type", "subject_id", "id"],
                name="activity_kind_time_subject",
            ),
            models.Index(fields=["guild", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=4), name="activity_level_1_to_4"
            ),
            models.CheckConstraint(
                condition=Q(champion__isnull=False) | Q(actor__isnull=False),
                name="activity_has_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_contribution(self) -> bool:
        return self.level > ActivityLevel.OBSERVER


class ConsentScope(models.TextChoices):
    REFERENCE_CALL = "reference_call", "Reference call"
    LOGO = "logo", "Company logo"
    QUOTE = "quote", "Quote"
    CASE_STUDY = "case_study", "Case study"
    VIDEO = "video", "Video"


class ConsentText(models.Model):
    """The wording a champion agrees to, per scope and version; its hash pins the exact text."""

    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    version = models.CharField(max_length=20)
    body = models.TextField()
    text_hash = models.CharField(max_length=64, editable=False)
    published_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["scope", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "version"], name="consent_text_version"),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} v{self.version}"


class ConsentMethod(models.TextChoices):
    PORTAL = "portal", "Portal checkbox"
    EMAIL = "email", "Email confirmation"
    SIGNED_FORM = "signed_form", "Signed form"
    RECORDED_CALL = "recorded_call", "Recorded call"


class ConsentRecord(models.Model):
    """One grant or withdrawal of consent. Append-only: the history is the record."""

    champion = models.ForeignKey(Champion, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=32, choices=ConsentScope.choices)
    granted = models.BooleanField(help_text="True for a grant, False for a withdrawal.")
    text_version = models.CharField(max_length=20)
    text_hash = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=ConsentMethod.choices)
    actor = models.ForeignKey(
        "champions.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who recorded it: the champion themselves, or staff on their behalf.",
    )
    recorded_at = models.DateTimeField(default=now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # The current consent is the latest record per champion and scope: this index
            # answers it in the order that decides it, without visiting the table.
            models.Index(
                fields=["scope", "champion", "-recorded_at", "-id"],
                include=["granted"],
                name="consent_latest_per_scope",
            )
        ]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrew"
        return f"{self.champion_id} {verb} {self.scope} at {self.recorded_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An existing consent record is history and never changes.
        if self.pk is not None:
            raise ValueError("Consent records are append-only.")
        # The stored current consent (`refresh_reference_call_consent`) is kept here rather
        # than in the consent services, so that every way of writing a record keeps it: a
        # record written past it would leave a withdrawn champion in sales' search.
        if self.scope != ConsentScope.REFERENCE_CALL:
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            # The champion's row is locked first, so two records for the same champion are
            # written one after the other and the second sees the first when it recomputes.
            Champion.objects.select_for_update().filter(pk=self.champion_id).exists()
            super().save(*args, **kwargs)
            refresh_reference_call_consent([self.champion_id])


def refresh_reference_call_consent(champion_ids: list[int] | None = None) -> int:
    """Set `Champion.reference_call_consent_at` from the consent records (of these champions,
    or all): the latest record's time if it is a grant, else empty. `ConsentRecord.save()`
    calls it; code that bulk-creates records calls it after. One UPDATE; returns its count.

    The column lets a reference search walk only the champions sales may call, from an index
    alone, instead of probing each walked champion's latest record (BENCHMARKS.md "REST
    API"). The rule is the latest record by time, as `consent_granted` reads it at a moment.
    """
    latest = ConsentRecord.objects.filter(
        champion=models.OuterRef("pk"), scope=ConsentScope.REFERENCE_CALL
    ).order_by("-recorded_at", "-id")
    granted_at = latest.annotate(
        granted_at=models.Case(models.When(granted=True, then=models.F("recorded_at")))
    ).values("granted_at")[:1]
    champions = Champion.objects.all()
    if champion_ids is not None:
        champions = champions.filter(pk__in=champion_ids)
    return champions.update(
        reference_call_consent_at=models.Subquery(granted_at, output_field=models.DateTimeField())
    )


class AdoptionFigure(models.Model):
    """A product adoption figure of an account on a day (weekly active users, seats used, ...),
    pushed by product analytics through the API and synced to the CRM company."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="adoption")
    date = models.DateField()
    metric = models.SlugField(max_length=64, help_text="For example weekly_active_users.")
    value = models.DecimalField(max_digits=16, decimal_places=2)
    source = models.CharField(max_length=16, choices=ActivitySource.choices)
    recorded_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-date", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "date", "metric"], name="adoption_one_value_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.metric} on {self.date}: {self.value}"


class ApiTokenScope(models.TextChoices):
    PERSONAL = "personal", "Personal: acts as its user"
    INGEST = "ingest", "Service: ingest activity and adoption only"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey("champions.User", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(
        max_length=16, choices=ApiTokenScope.choices, default=ApiTokenScope.PERSONAL
    )
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class NotificationKind(models.TextChoices):
    INVITATION = "invitation", "Invitations"
    LOGIN_CODE = "login_code", "Sign-in codes"
    EVENT_REMINDER = "event_reminder", "Event reminders"
    REQUEST_OFFERED = "request_offered", "Reference requests offered to me"
    QUESTION_ANSWERED = "question_answered", "Answers to my questions"
    QUESTION_MATCH = "question_match", "New questions that match my expertise"
    KUDOS = "kudos", "Thank-you notes and kudos for me"
    DIGEST = "digest", "Program digest"


# Sent whatever the preferences say: they answer something the person just did.
NOTIFICATIONS_ALWAYS_SENT = frozenset({NotificationKind.INVITATION, NotificationKind.LOGIN_CODE})
# Time-bound: emailed at once or not at all, never held for a digest.
NOTIFICATIONS_NEVER_IN_DIGEST = frozenset(
    {NotificationKind.EVENT_REMINDER, *NOTIFICATIONS_ALWAYS_SENT}
)


class DigestFrequency(models.TextChoices):
    OFF = "off", "Off: email each one at once"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"


class NotificationPreference(models.Model):
    """How a user wants one kind of notification; without a row the kind's default applies.

    `digest_frequency` off means each notification is emailed at once; daily or weekly means
    it waits for the digest. For the digest kind itself it is the digest's cadence. Defaults,
    always-sent kinds and the reading other apps call live in `champions.selectors`
    (`notification_allowed`).
    """

    user = models.ForeignKey(
        "champions.User", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    enabled = models.BooleanField(default=True)
    digest_frequency = models.CharField(
        max_length=16, choices=DigestFrequency.choices, default=DigestFrequency.OFF
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique"),
        ]

    def __str__(self) -> str:
        state = "on" if self.enabled else "off"
        return f"{self.get_kind_display()} for user {self.user_id}: {state}"


class DigestDelivery(models.Model):
    """One user's digest for one period: the row a worker claims before it sends.

    `period_start` is the user's local date the period began (the day for a daily digest,
    the Monday for a weekly one). The unique constraint plus the claim in
    `champions.digest.digest_send` mean two workers, or a retry, send it once.
    """

    user = models.ForeignKey(
        "champions.User", on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    frequency = models.CharField(max_length=16, choices=DigestFrequency.choices)
    period_start = models.DateField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # done; no email when nothing to say
    item_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-period_start", "user"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_start"], name="digest_delivery_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} of {self.period_start} for user {self.user_id}"
