"""A believable year of a customer champions program, for demos and first-time visitors.

`manage.py seed_demo` runs the registered sections (`SECTIONS`) in order with one
`DemoContext`: the clock (`now`), a random generator and everything earlier sections created.
Each section gets its own generator, derived from the seed and the section's name, so a section
added later leaves the data of the earlier ones exactly as it was.

The rules live in the services, but the services stamp `timezone.now()`: each section calls them
as the program would and then back-dates the rows they wrote to the planned moment with bulk
updates. The year of plain history is inserted with `bulk_create`.

Another app extends the demo with a `demo.py` of its own whose functions are registered with
`@demo_section(...)`; the command imports every installed app's `demo` module in
INSTALLED_APPS order. A section that records contributions for a champion after the lifecycle
section should leave dormant and alumni champions alone (or call `DemoContext.contributed`
before it), so the states stay what the history says.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import F
from django.utils import timezone

from champions import services
from champions.models import (
    ACTIVITY_LEVELS,
    Account,
    Activity,
    ActivityKind,
    ActivityLevel,
    ActivitySource,
    Champion,
    ChampionState,
    ChampionTier,
    ConsentMethod,
    ConsentRecord,
    ConsentScope,
    ConsentText,
    Guild,
    GuildVisibility,
    Industry,
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    Plan,
    ProductArea,
    Region,
    SizeBand,
    User,
    refresh_reference_call_consent,
)
from champions.roles import Role, ensure_role_groups

DEFAULT_SEED = 2024
DEMO_PASSWORD = "demo"  # noqa: S105 -- the documented password of the demo logins, demo only
ADMIN_EMAIL = "admin@example.com"
MODERATOR_EMAIL = "moderator@example.com"
SALES_EMAIL = "sales@example.com"
CHAMPION_EMAIL = "champion@example.com"
HISTORY_DAYS = 365
BATCH_SIZE = 2000

T = TypeVar("T")


# --- the registry -----------------------------------------------------------------------


@dataclass(eq=False)
class Person:
    """One champion's planned year; a move to another company gives them a second record."""

    champion: Champion
    account: Account
    areas: tuple[str, ...]  # product area slugs
    zone: ZoneInfo
    core: bool
    sent_at: datetime
    reminded_at: datetime | None = None  # the first link expired unused; a second one went out
    joined_at: datetime | None = None
    activated_at: datetime | None = None
    left_at: datetime | None = None
    moved_at: datetime | None = None
    successor: Champion | None = None
    staying_active: bool = False

    def record_at(self, at: datetime) -> Champion:
        if self.successor is not None and self.moved_at is not None and at >= self.moved_at:
            return self.successor
        return self.champion

    @property
    def since(self) -> datetime:
        """When they joined; only asked of people who did."""
        assert self.joined_at is not None, "only joined champions have a join date"
        return self.joined_at


@dataclass(eq=False)
class DemoContext:
    seed: int
    now: datetime
    rng: random.Random
    users: dict[str, User] = field(default_factory=dict)
    product_areas: list[ProductArea] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    guilds: list[Guild] = field(default_factory=list)
    # champion id -> (guild, member since); champion ids of guild leads and deputies
    memberships: dict[int, list[tuple[Guild, datetime]]] = field(default_factory=dict)
    leaders: set[int] = field(default_factory=set)
    # champion id -> the moments of its contribution activities, for the lifecycle section
    contributions: dict[int, list[datetime]] = field(default_factory=dict)
    password_hash: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return self.now - timedelta(days=HISTORY_DAYS)

    @property
    def joined(self) -> list[Person]:
        return [p for p in self.people if p.joined_at is not None]

    def age(self, person: Person) -> float:
        """Days since the person joined; 0 for those who have not."""
        if person.joined_at is None:
            return 0.0
        return (self.now - person.joined_at).total_seconds() / 86_400

    def contributed(self, champion: Champion, at: datetime) -> None:
        self.contributions.setdefault(champion.pk, []).append(at)

    def days_ago(self, low: float, high: float) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(low, high))

    def later(self, at: datetime, low_days: float, high_days: float) -> datetime:
        return at + timedelta(days=self.rng.uniform(low_days, high_days))

    def pick(self, items: Sequence[T], weights: Sequence[float]) -> T:
        return self.rng.choices(items, weights=weights)[0]


SectionBuild = Callable[[DemoContext], None]


@dataclass(frozen=True)
class Section:
    name: str
    build: SectionBuild
    wipe: Callable[[], None] | None = None


SECTIONS: list[Section] = []


def demo_section(
    name: str, *, wipe: Callable[[], None] | None = None
) -> Callable[[SectionBuild], SectionBuild]:
    """Register a section; `wipe` deletes what it creates, for `seed_demo --reset`."""

    def register(build: SectionBuild) -> SectionBuild:
        SECTIONS.append(Section(name=name, build=build, wipe=wipe))
        return build

    return register


def demo_loaded() -> bool:
    return User.objects.filter(email__iexact=ADMIN_EMAIL).exists()


def ordered_sections() -> list[Section]:
    """The sections in INSTALLED_APPS order (each app's in the order it registered them).

    Registration order alone depends on which `demo` module some other code imported first;
    the data must not (governance publishes a code of conduct that later posting would need).
    """
    from django.apps import apps

    labels = [config.name for config in apps.get_app_configs()]

    def app_position(section: Section) -> int:
        module = section.build.__module__
        owners = [i for i, name in enumerate(labels) if module.startswith(name + ".")]
        return owners[-1] if owners else len(labels)

    return sorted(SECTIONS, key=app_position)


def wipe() -> None:
    for section in reversed(ordered_sections()):
        if section.wipe is not None:
            section.wipe()


def _generator(seed: int, name: str) -> random.Random:
    # Demo data, not secrets: a seeded, reproducible generator is the point.
    return random.Random(f"{seed}:{name}")  # noqa: S311


def build(*, seed: int = DEFAULT_SEED, now: datetime | None = None) -> DemoContext:
    """Run every section; call inside one transaction so a failure leaves nothing behind."""
    context = DemoContext(seed=seed, now=now or timezone.now(), rng=_generator(seed, ""))
    for section in ordered_sections():
        context.rng = _generator(seed, section.name)
        section.build(context)
    # Rows the services wrote were stamped now; the log says they were recorded when they happened.
    Activity.objects.filter(recorded_at__gte=context.now).update(recorded_at=F("occurred_at"))
    return context


# --- time ---------------------------------------------------------------------------------

WORK_HOURS = (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
WORK_HOUR_WEIGHTS = (1, 4, 9, 11, 10, 6, 8, 10, 9, 7, 4, 2, 1, 1, 0.5)


def at_work(rng: random.Random, low: datetime, high: datetime, zone: ZoneInfo) -> datetime:
    """A moment in [low, high), mostly on a working day and in working hours in `zone`.

    It always draws the same number of random values, so the dates (which depend on the real
    now) never shift the sequence the rest of the demo draws from.
    """
    u_day, u_weekend, u_second = rng.random(), rng.random(), rng.random()
    hour = rng.choices(WORK_HOURS, weights=WORK_HOUR_WEIGHTS)[0]
    if high <= low:
        return low
    plain = low + (high - low) * u_day
    day = plain.astimezone(zone).date()
    if day.weekday() >= 5 and u_weekend > 0.06:
        shift = -(day.weekday() - 4) if u_weekend < 0.5 else 7 - day.weekday()
        day += timedelta(days=shift)
    local = datetime.combine(day, time(hour), tzinfo=zone) + timedelta(seconds=u_second * 3600)
    moment = local.astimezone(UTC)
    # A window narrower than a working day keeps the plain moment, off hours or not.
    return moment if low <= moment < high else plain


def month_starts(first: datetime, last: datetime) -> list[datetime]:
    """The UTC calendar months from the one holding `first` to the one holding `last`."""
    month = first.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    months = []
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def ascii_slug(text: str, separator: str = ".") -> str:
    plain = text.replace("ß", "ss").replace("ø", "o").replace("'", "")
    plain = unicodedata.normalize("NFKD", plain)
    plain = plain.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", separator, plain).strip(separator)


# --- staff and logins ---------------------------------------------------------------------

STAFF = (
    ("admin", ADMIN_EMAIL, "Dana Whitfield", True, Role.PROGRAM_MANAGER),
    ("moderator", MODERATOR_EMAIL, "Tomás Rivera", True, Role.MODERATOR),
    ("sales", SALES_EMAIL, "Jordan Lee", False, Role.SALES),
)


def _wipe_staff() -> None:
    emails = [row[1] for row in STAFF] + [CHAMPION_EMAIL]
    User.objects.filter(email__in=emails).delete()


@demo_section("staff", wipe=_wipe_staff)
def build_staff(ctx: DemoContext) -> None:
    ensure_role_groups()
    # Hashing is slow on purpose; the four logins share one hash of the one demo password.
    ctx.password_hash = make_password(DEMO_PASSWORD)
    for key, email, full_name, is_staff, role in STAFF:
        user = User.objects.create(
            email=email,
            password=ctx.password_hash,
            full_name=full_name,
            is_staff=is_staff,
            is_superuser=key == "admin",
            date_joined=ctx.start - timedelta(days=60),
        )
        user.groups.add(Group.objects.get(name=role))
        ctx.users[key] = user


# --- product areas and accounts -------------------------------------------------------------


@dataclass(frozen=True)
class Locale:
    region: str
    zones: tuple[str, ...]
    languages: tuple[str, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


GERMAN = (
    _names(
        "Anna, Lukas, Lena, Jonas, Miriam, Felix, Katharina, Tobias, Sabine, Jan, Nele, Matthias"
    ),
    _names("Hartmann, Becker, Schulz, Wagner, Krüger, Neumann, Vogel, Brandt, Lorenz, Seidel"),
)
ENGLISH = (
    _names(
        "Olivia, James, Amelia, Oliver, Priya, Daniel, Grace, Samuel, Chloe, Ethan, Hannah, Marcus"
    ),
    _names("Carter, Bennett, Hughes, Patel, Morgan, Foster, Reid, Collins, Ward, Fletcher, Shaw"),
)
AMERICAN = (
    _names("Emily, Michael, Jessica, Tyler, Ashley, Brandon, Keisha, Carlos, Megan, Andre"),
    _names("Johnson, Nguyen, Robinson, Kim, Alvarez, Washington, Cohen, O'Brien, Ramirez, Chen"),
)
FRENCH = (
    _names("Camille, Julien, Léa, Mathieu, Chloé, Antoine, Manon, Hugo, Élise, Théo"),
    _names(
        "Dubois, Lefèvre, Moreau, Laurent, Girard, Fontaine, Rousseau, Chevalier, Mercier, Blanc"
    ),
)
DUTCH = (
    _names("Sanne, Daan, Femke, Bram, Lotte, Joris, Eva, Ruben, Noor, Thijs"),
    _names("de Vries, Jansen, Bakker, Visser, Smit, Mulder, de Boer, Meijer, Bos, Hendriks"),
)
SWEDISH = (
    _names("Astrid, Erik, Elin, Johan, Maja, Oskar, Sofia, Anders, Ingrid, Nils"),
    _names("Lindqvist, Andersson, Berg, Nyström, Holm, Ekström, Sandberg, Lund"),
)
SPANISH = (
    _names("Lucía, Javier, Carmen, Diego, Marta, Pablo, Elena, Sergio, Valentina, Mateo, Andrés"),
    _names("García, Fernández, López, Martínez, Ruiz, Navarro, Castillo, Ortega, Vargas, Rojas"),
)
PORTUGUESE = (
    _names(
        "Ana, Pedro, Beatriz, Lucas, Mariana, Rafael, Juliana, Thiago, Larissa, Gustavo, Fernanda"
    ),
    _names("Silva, Santos, Oliveira, Souza, Costa, Pereira, Almeida, Ferreira, Carvalho, Rocha"),
)
JAPANESE = (
    _names("Yuki, Haruto, Sakura, Ren, Aoi, Takumi, Hina, Daiki, Mei, Kenji"),
    _names("Tanaka, Sato, Suzuki, Takahashi, Watanabe, Ito, Nakamura, Kobayashi, Yamamoto, Kato"),
)
INDIAN = (
    _names(
        "Aarav, Priya, Rohan, Ananya, Vikram, Kavya, Arjun, Meera, Karthik, Divya, Rahul, Sneha"
    ),
    _names("Sharma, Iyer, Reddy, Nair, Gupta, Menon, Rao, Kapoor, Desai, Pillai"),
)
SINGAPOREAN = (
    _names("Wei Jie, Li Ting, Jun Hao, Hui Min, Kai Wen, Xin Yi, Marcus, Rachel, Darren, Cheryl"),
    _names("Tan, Lim, Lee, Ng, Ong, Wong, Goh, Chua, Koh, Teo"),
)

R = Region
LOCALES: dict[str, Locale] = {
    "de": Locale(R.EMEA, ("Europe/Berlin",), ("de", "en"), *GERMAN),
    "uk": Locale(R.EMEA, ("Europe/London",), ("en",), *ENGLISH),
    "fr": Locale(R.EMEA, ("Europe/Paris",), ("fr", "en"), *FRENCH),
    "nl": Locale(R.EMEA, ("Europe/Amsterdam",), ("nl", "en"), *DUTCH),
    "se": Locale(R.EMEA, ("Europe/Stockholm",), ("sv", "en"), *SWEDISH),
    "es": Locale(R.EMEA, ("Europe/Madrid",), ("es", "en"), *SPANISH),
    "us_east": Locale(R.NA, ("America/New_York", "America/Chicago"), ("en",), *AMERICAN),
    "us_central": Locale(R.NA, ("America/Chicago", "America/New_York"), ("en",), *AMERICAN),
    "us_west": Locale(R.NA, ("America/Los_Angeles", "America/Denver"), ("en",), *AMERICAN),
    "ca": Locale(R.NA, ("America/Toronto", "America/Vancouver"), ("en", "fr"), *ENGLISH),
    "br": Locale(R.LATAM, ("America/Sao_Paulo",), ("pt", "en"), *PORTUGUESE),
    "mx": Locale(R.LATAM, ("America/Mexico_City",), ("es", "en"), *SPANISH),
    "co": Locale(R.LATAM, ("America/Bogota",), ("es", "en"), *SPANISH),
    "ar": Locale(R.LATAM, ("America/Argentina/Buenos_Aires",), ("es", "en"), *SPANISH),
    "jp": Locale(R.APAC, ("Asia/Tokyo",), ("ja", "en"), *JAPANESE),
    "au": Locale(R.APAC, ("Australia/Sydney", "Australia/Melbourne"), ("en",), *ENGLISH),
    "nz": Locale(R.APAC, ("Pacific/Auckland",), ("en",), *ENGLISH),
    "in": Locale(R.APAC, ("Asia/Kolkata",), ("en", "hi"), *INDIAN),
    "sg": Locale(R.APAC, ("Asia/Singapore",), ("en", "zh"), *SINGAPOREAN),
}
del R

IND, S = Industry, SizeBand
ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (  # name, industry, locale, size band
    ("Brightwell Logistics", IND.LOGISTICS, "de", S.L),
    ("Kessler Maschinenbau", IND.MANUFACTURING, "de", S.XL),
    ("Nordlicht Energie", IND.ENERGY, "de", S.L),
    ("Hanse Akademie", IND.EDUCATION, "de", S.S),
    ("Harbour & Vine", IND.RETAIL, "uk", S.M),
    ("Aldgate Capital Partners", IND.FINTECH, "uk", S.M),
    ("Thameside Health Partners", IND.HEALTHCARE, "uk", S.L),
    ("Atelier Lumière", IND.RETAIL, "fr", S.S),
    ("Banque Solenne", IND.FINTECH, "fr", S.XL),
    ("Van Dijk Fresh Foods", IND.RETAIL, "nl", S.M),
    ("Fjordline Software", IND.SOFTWARE, "se", S.S),
    ("Sorelle Media Group", IND.MEDIA, "es", S.M),
    ("Canal Verde Energía", IND.ENERGY, "es", S.L),
    ("Cedar Ridge Health", IND.HEALTHCARE, "us_east", S.L),
    ("Bayshore Credit Union", IND.FINTECH, "us_east", S.M),
    ("Great Lakes Freightways", IND.LOGISTICS, "us_central", S.L),
    ("Copperline Utilities", IND.ENERGY, "us_central", S.XL),
    ("City of Lakeshore", IND.PUBLIC, "us_central", S.L),
    ("Northbeam Analytics", IND.SOFTWARE, "us_west", S.S),
    ("Summit Valley School District", IND.EDUCATION, "us_west", S.M),
    ("Maple & Pine Outfitters", IND.RETAIL, "ca", S.M),
    ("Andes Pay", IND.FINTECH, "co", S.M),
    ("Rio Claro Saúde", IND.HEALTHCARE, "br", S.L),
    ("Escola Nova Educação", IND.EDUCATION, "br", S.S),
    ("Grupo Tolteca Manufacturas", IND.MANUFACTURING, "mx", S.XL),
    ("Pampa Logística", IND.LOGISTICS, "ar", S.M),
    ("Kaizen Robotics", IND.MANUFACTURING, "jp", S.L),
    ("Tanaka Precision Parts", IND.MANUFACTURING, "jp", S.M),
    ("Harbourview Insurance", IND.FINTECH, "au", S.L),
    ("Southern Cross Media", IND.MEDIA, "au", S.S),
    ("Kiwi Ledger", IND.SOFTWARE, "nz", S.XS),
    ("Sanjeevani Telehealth", IND.HEALTHCARE, "in", S.M),
    ("Straits Commerce", IND.RETAIL, "sg", S.M),
)
del IND, S
ACCOUNT_LOCALES = {name: locale for name, _, locale, _ in ACCOUNTS}

PRODUCT_AREAS = _names(
    "Reporting, Automation, Integrations, Admin & security, Analytics, Mobile app"
)
ARR_BY_PLAN: dict[str, tuple[int, int]] = {
    Plan.STARTER: (9_000, 36_000),
    Plan.PROFESSIONAL: (40_000, 190_000),
    Plan.ENTERPRISE: (210_000, 1_150_000),
}
PLANS_BY_SIZE: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    SizeBand.XS: ((Plan.STARTER, Plan.PROFESSIONAL), (3, 1)),
    SizeBand.S: ((Plan.STARTER, Plan.PROFESSIONAL), (1, 2)),
    SizeBand.M: ((Plan.PROFESSIONAL, Plan.ENTERPRISE), (3, 1)),
    SizeBand.L: ((Plan.PROFESSIONAL, Plan.ENTERPRISE), (1, 2)),
    SizeBand.XL: ((Plan.ENTERPRISE,), (1,)),
}
SIZE_FACTOR: dict[str, float] = {
    SizeBand.XS: 0.5,
    SizeBand.S: 0.7,
    SizeBand.M: 1,
    SizeBand.L: 1.5,
    SizeBand.XL: 2,
}


def _wipe_catalogue() -> None:
    Account.objects.all().delete()
    ProductArea.objects.all().delete()


@demo_section("catalogue", wipe=_wipe_catalogue)
def build_catalogue(ctx: DemoContext) -> None:
    ctx.product_areas = ProductArea.objects.bulk_create(
        ProductArea(name=name, slug=ascii_slug(name, "-")) for name in PRODUCT_AREAS
    )
    for name, industry, locale, size in ACCOUNTS:
        plans, weights = PLANS_BY_SIZE[size]
        plan = ctx.pick(plans, weights)
        low, high = ARR_BY_PLAN[plan]
        arr = round(ctx.rng.uniform(low, high) * SIZE_FACTOR[size] / 500) * 500
        account = Account(
            name=name,
            domain=f"{ascii_slug(name, '-')}.example",  # reserved: the demo never emails anyone
            industry=industry,
            region=LOCALES[locale].region,
            size_band=size,
            plan=plan,
            arr=Decimal(arr),
            created_at=ctx.days_ago(HISTORY_DAYS + 30, HISTORY_DAYS + 1500),
        )
        ctx.accounts.append(account)
    Account.objects.bulk_create(ctx.accounts)


# --- champions and invitations ----------------------------------------------------------------

TITLES = _names(
    "Operations manager, Revenue operations lead, Business systems analyst, "
    "Head of business intelligence, Finance systems manager, IT administrator, Data analyst, "
    "Process automation lead, Customer operations manager, Financial controller, "
    "Digital transformation manager, Solutions architect, Reporting specialist"
)
TITLES_BY_INDUSTRY: dict[str, tuple[str, ...]] = {
    Industry.HEALTHCARE: ("Clinical systems manager", "Health data analyst", "Compliance officer"),
    Industry.FINTECH: ("Head of financial planning", "Risk reporting lead"),
    Industry.MANUFACTURING: ("Plant systems engineer", "Supply chain analyst"),
    Industry.LOGISTICS: ("Fleet operations manager", "Warehouse systems lead"),
    Industry.RETAIL: ("E-commerce operations lead", "Merchandise planning analyst"),
    Industry.EDUCATION: ("Director of academic technology", "Student data coordinator"),
    Industry.PUBLIC: ("Digital services lead", "Procurement analyst"),
    Industry.ENERGY: ("Grid operations analyst", "Field service manager"),
    Industry.MEDIA: ("Audience analytics lead", "Production operations manager"),
    Industry.SOFTWARE: ("RevOps engineer", "Customer success operations lead"),
}
EXPERTISE = _names(
    "SQL, Dashboard design, Workflow automation, REST APIs, Webhooks, SSO / SAML, "
    "Role-based access, Month-end close, Forecasting, Data modelling, Change management, "
    "Training new users, Salesforce integration, SAP integration, Power BI, Python scripting, "
    "GDPR, HIPAA, Mobile rollout, Process mapping"
)
CHAMPIONS_BY_SIZE: dict[str, tuple[int, int]] = {
    SizeBand.XS: (2, 3),
    SizeBand.S: (3, 5),
    SizeBand.M: (4, 7),
    SizeBand.L: (6, 9),
    SizeBand.XL: (8, 11),
}
INVITED_ONLY_SHARE = 0.09
PEER_MESSAGES = (
    "Our guild saved me hours last quarter. Come join us!",
    "You asked how we automated our close: this is where I learned it.",
    "Thought of you when we talked about reporting. The clinics are worth it.",
    "",
)


@dataclass
class _Draft:
    """A champion before the database knows them."""

    account: Account
    locale: Locale
    full_name: str
    email: str
    title: str
    languages: list[str]
    expertise: list[str]
    areas: list[ProductArea]
    zone: str
    tier: str = ChampionTier.COMMUNITY


def _wipe_champions() -> None:
    users = list(User.objects.filter(champion_records__isnull=False).values_list("pk", flat=True))
    Invitation.objects.all().delete()
    Champion.objects.all().delete()
    User.objects.filter(pk__in=users, is_staff=False).delete()


def _draft_people(ctx: DemoContext) -> list[_Draft]:
    rng, drafts, emails = ctx.rng, [], set()
    for account in ctx.accounts:
        locale = LOCALES[ACCOUNT_LOCALES[account.name]]
        titles = TITLES + TITLES_BY_INDUSTRY.get(account.industry, ())
        for _ in range(rng.randint(*CHAMPIONS_BY_SIZE[account.size_band])):
            first, last = rng.choice(locale.first_names), rng.choice(locale.last_names)
            email = f"{ascii_slug(first)}.{ascii_slug(last)}@{account.domain}"
            while email in emails:
                email = email.replace("@", f"{rng.randint(2, 9)}@", 1)
            emails.add(email)
            languages = list(locale.languages)
            if "en" not in languages and rng.random() < 0.9:
                languages.append("en")
            if rng.random() < 0.12:
                languages.append(rng.choice(("de", "fr", "es", "pt", "it")))
            zone = locale.zones[0] if rng.random() < 0.8 else rng.choice(locale.zones)
            drafts.append(
                _Draft(
                    account=account,
                    locale=locale,
                    full_name=f"{first} {last}",
                    email=email,
                    title=rng.choice(titles),
                    languages=list(dict.fromkeys(languages)),
                    expertise=rng.sample(EXPERTISE, rng.randint(1, 4)),
                    areas=rng.sample(ctx.product_areas, rng.randint(1, 3)),
                    zone=zone,
                )
            )
    rng.shuffle(drafts)
    return drafts


def _join_age_days(rng: random.Random) -> float:
    """Days since joining: the program grows, so later months bring a few more people."""
    month = rng.choices(range(12), weights=[10 + month for month in range(12)])[0]
    return max(0.5, (11 - month) * HISTORY_DAYS / 12 + rng.uniform(0, HISTORY_DAYS / 12))


def _tier(roll: float, core: bool) -> str:
    if core:
        return ChampionTier.AMBASSADOR if roll < 0.45 else ChampionTier.ADVOCATE
    return ChampionTier.ADVOCATE if roll < 0.2 else ChampionTier.COMMUNITY


def _plan_people(ctx: DemoContext, drafts: list[_Draft]) -> list[tuple[Person, _Draft]]:
    rng = ctx.rng
    invited_only = round(len(drafts) * INVITED_ONLY_SHARE)
    ages = sorted((_join_age_days(rng) for _ in drafts[invited_only:]), reverse=True)
    ages[-3:] = sorted((rng.uniform(1.5, 12) for _ in range(3)), reverse=True)
    planned = []
    for index, draft in enumerate(drafts):
        zone, account = ZoneInfo(draft.zone), draft.account
        areas = tuple(area.slug for area in draft.areas)
        if index < invited_only:
            sent = at_work(rng, ctx.days_ago(1, 250), ctx.now, zone)
            person = Person(Champion(), account, areas, zone, core=False, sent_at=sent)
            if ctx.now - sent > timedelta(days=30) and rng.random() < 0.3:
                person.reminded_at = ctx.days_ago(0.5, 10)
        else:
            age = ages[index - invited_only]
            day_end = min(ctx.now, ctx.days_ago(age - 1, age - 1))
            joined = at_work(rng, ctx.days_ago(age, age), day_end, zone)
            lag = ctx.pick(((0.05, 1.5), (1.5, 5), (5, 12)), (6, 3, 1))
            sent = joined - timedelta(days=rng.uniform(*lag))
            reminded = None
            if rng.random() < 0.12:
                sent, reminded = joined - timedelta(days=rng.uniform(18, 50)), sent
            core = rng.random() < (0.3 if age > 270 else 0.2)
            draft.tier = _tier(rng.random(), core)
            activated = ctx.later(joined, 2, 21)
            person = Person(
                Champion(),
                account,
                areas,
                zone,
                core=core,
                sent_at=sent,
                reminded_at=reminded,
                joined_at=joined,
                activated_at=activated if activated < ctx.now else None,
            )
        planned.append((person, draft))
    _plan_departures(ctx, [person for person, _ in planned])
    return planned


def _plan_departures(ctx: DemoContext, people: list[Person]) -> None:
    """Some leave during onboarding, some later; a few move to another customer."""
    ordinary = [p for p in people if not p.core and ctx.age(p) > 90]
    ctx.rng.shuffle(ordinary)
    for person in ordinary[:2]:
        person.activated_at = None
        person.left_at = ctx.later(person.since, 5, 14)
    for person in ordinary[2:12]:
        person.left_at = ctx.later(person.since, 40, ctx.age(person) - 5)
    for person in [p for p in ordinary[12:] if ctx.age(p) > 150][:3]:
        person.moved_at = ctx.later(person.since, 60, ctx.age(person) - 25)
    cores = [p for p in people if p.core]
    min(cores, key=lambda p: abs(ctx.age(p) - 270)).staying_active = True


def _pick_inviter(ctx: DemoContext, person: Person, invitees: Counter[Person]) -> Person | None:
    if ctx.rng.random() > 0.5:
        return None
    candidates = [
        p
        for p in ctx.people
        if p.activated_at is not None
        and p.activated_at < person.sent_at - timedelta(days=1)
        and (p.left_at or ctx.now) > person.sent_at
        and (p.moved_at or ctx.now) > person.sent_at
        and invitees[p] < 6
    ]
    if not candidates:
        return None
    weights = [
        1
        + 3 * p.core
        + 3 * (p.champion.invited_by_id is not None)
        + 80 * (p.staying_active and invitees[p] < 3)  # the demo login shows a referral tree
        for p in candidates
    ]
    return ctx.pick(candidates, weights)


def _send(
    ctx: DemoContext, person: Person, inviter: Person | None, at: datetime
) -> tuple[services.IssuedInvitation, datetime]:
    issued = services.invitation_send(
        champion=person.champion,
        invited_by_user=None if inviter else ctx.users["admin"],
        invited_by_champion=inviter.champion if inviter else None,
        message=ctx.rng.choice(PEER_MESSAGES) if inviter else "",
    )
    if inviter is not None:
        ctx.contributed(inviter.champion, at)
    return issued, at


def _invite_and_join(
    ctx: DemoContext, person: Person, draft: _Draft, inviter: Person | None
) -> list[tuple[Invitation, datetime, datetime | None]]:
    """Create the champion, send their invitation(s), accept the last one if they joined."""
    person.champion = services.champion_create(
        account=draft.account,
        email=draft.email,
        full_name=draft.full_name,
        title=draft.title,
        tier=draft.tier,
        timezone_name=draft.zone,
        languages=draft.languages,
        expertise=draft.expertise,
        product_areas=draft.areas,
    )
    sends = [person.sent_at] + ([person.reminded_at] if person.reminded_at else [])
    issued = [_send(ctx, person, inviter, at) for at in sends]
    rows: list[tuple[Invitation, datetime, datetime | None]] = []
    for index, (issue, at) in enumerate(issued):
        revoked = sends[index + 1] if index + 1 < len(sends) else None
        issue.invitation.revoked_at = revoked
        rows.append((issue.invitation, at, None))
    if person.joined_at is not None:
        person.champion = services.invitation_accept(token=issued[-1][0].token)
        rows[-1] = (rows[-1][0], rows[-1][1], person.joined_at)
        ctx.contributed(person.champion, person.joined_at)
    return rows


def _backdate_invitations(
    ctx: DemoContext, rows: list[tuple[Invitation, datetime, datetime | None]]
) -> None:
    valid = timedelta(days=settings.INVITATION_VALID_DAYS)
    when: dict[int, tuple[datetime, datetime | None]] = {}
    for invitation, sent, accepted in rows:
        invitation.sent_at, invitation.expires_at = sent, sent + valid
        invitation.accepted_at = accepted
        when[invitation.pk] = (sent, accepted)
    Invitation.objects.bulk_update(
        [row[0] for row in rows],
        ["sent_at", "expires_at", "accepted_at", "revoked_at"],
        batch_size=BATCH_SIZE,
    )
    logged = list(Activity.objects.filter(subject_type="champions.invitation"))
    for activity in logged:
        sent, accepted = when[activity.subject_id or 0]
        is_acceptance = activity.kind == ActivityKind.ACCEPTED_INVITATION
        activity.occurred_at = accepted if is_acceptance and accepted else sent
    Activity.objects.bulk_update(logged, ["occurred_at"], batch_size=BATCH_SIZE)


@demo_section("champions", wipe=_wipe_champions)
def build_champions(ctx: DemoContext) -> None:
    planned = _plan_people(ctx, _draft_people(ctx))
    planned.sort(key=lambda pair: pair[0].sent_at)
    ctx.people = [person for person, _ in planned]
    invitees: Counter[Person] = Counter()
    rows: list[tuple[Invitation, datetime, datetime | None]] = []
    for person, draft in planned:
        if person.staying_active:
            draft.email, draft.title = CHAMPION_EMAIL, "Head of finance operations"
        inviter = _pick_inviter(ctx, person, invitees)
        if inviter is not None:
            invitees[inviter] += 1
        rows += _invite_and_join(ctx, person, draft, inviter)
    for person in ctx.people:
        if person.activated_at is not None:
            services.champion_activate(champion=person.champion)
    _move_accounts(ctx)
    _backdate_invitations(ctx, rows)
    _backdate_champions(ctx)


def _move_accounts(ctx: DemoContext) -> None:
    for person in [p for p in ctx.people if p.moved_at is not None]:
        old = person.champion
        region = person.account.region
        others = [a for a in ctx.accounts if a.region == region and a.pk != old.account_id]
        account = ctx.rng.choice(others)
        local = old.email.split("@")[0]
        person.successor = services.champion_move_account(
            champion=old, account=account, email=f"{local}@{account.domain}"
        )


def _backdate_champions(ctx: DemoContext) -> None:
    champions, users = [], []
    for person in ctx.people:
        champion = person.champion
        champion.created_at = person.sent_at
        champion.joined_at = person.joined_at
        champion.state_changed_at = person.activated_at or person.joined_at or person.sent_at
        if person.successor is not None and person.moved_at is not None:
            champion.state_changed_at = person.moved_at
            successor = person.successor
            successor.created_at = successor.joined_at = person.moved_at
            successor.state_changed_at = person.moved_at
            champions.append(successor)
        champions.append(champion)
        if champion.user is not None and person.joined_at is not None:
            champion.user.date_joined = person.joined_at
            users.append(champion.user)
        if person.staying_active and champion.user is not None:
            champion.user.password = ctx.password_hash
            champion.user.save(update_fields=["password"])
            ctx.users["champion"] = champion.user
    fields = ["created_at", "joined_at", "state_changed_at"]
    Champion.objects.bulk_update(champions, fields, batch_size=BATCH_SIZE)
    User.objects.bulk_update(users, ["date_joined"], batch_size=BATCH_SIZE)


# --- guilds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GuildPlan:
    name: str
    theme: str
    description: str
    visibility: str
    industries: tuple[str, ...]
    areas: tuple[str, ...]
    opened_day: int  # days after the history starts
    members: tuple[int, int]


V = GuildVisibility
GUILDS = (
    GuildPlan(
        "Month-end close automation",
        "Close the books in three days with automated reconciliations and approvals.",
        "Controllers and finance-ops owners swap the workflows, checklists and approval chains "
        "that took their close from two weeks to a few days.",
        V.PUBLIC,
        (Industry.FINTECH, Industry.RETAIL, Industry.MANUFACTURING),
        ("automation", "reporting"),
        15,
        (18, 30),
    ),
    GuildPlan(
        "Healthcare data compliance",
        "Keep patient data HIPAA- and GDPR-compliant in every workflow.",
        "Clinical systems and compliance people review each other's retention rules, access "
        "models and audit evidence before the auditors do.",
        V.PRIVATE,
        (Industry.HEALTHCARE,),
        ("admin-security", "integrations"),
        40,
        (8, 14),
    ),
    GuildPlan(
        "Integration builders",
        "Connect ERP, CRM and the data warehouse through the API and webhooks.",
        "Live builds of real integrations, pairing sessions and a shared library of connector "
        "recipes.",
        V.PUBLIC,
        (Industry.SOFTWARE, Industry.LOGISTICS, Industry.FINTECH),
        ("integrations", "automation"),
        25,
        (15, 26),
    ),
    GuildPlan(
        "Executive dashboards",
        "Board-ready reporting that leadership actually reads.",
        "Quarterly demo night: members show the dashboard that changed a decision, and the "
        "template behind it.",
        V.PUBLIC,
        (),
        ("reporting", "analytics"),
        60,
        (18, 32),
    ),
    GuildPlan(
        "Admin & security council",
        "SSO, permissions and audit trails for rollouts above 1,000 seats.",
        "Admins of the largest rollouts compare role models and review security settings; by "
        "invitation.",
        V.HIDDEN,
        (),
        ("admin-security",),
        90,
        (6, 12),
    ),
    GuildPlan(
        "Field teams on mobile",
        "Roll the mobile app out to warehouses, plants and field crews.",
        "Rollout playbooks, offline tips and training material for teams that never sit at a desk.",
        V.PUBLIC,
        (Industry.LOGISTICS, Industry.MANUFACTURING, Industry.ENERGY),
        ("mobile-app",),
        120,
        (10, 20),
    ),
    GuildPlan(
        "Schools & public services",
        "Procurement-proof rollouts for schools, cities and agencies.",
        "Public-sector champions share tender language, accessibility checks and adoption plans.",
        V.PRIVATE,
        (Industry.PUBLIC, Industry.EDUCATION),
        ("reporting", "admin-security"),
        150,
        (6, 12),
    ),
    GuildPlan(
        "Ambassador circle",
        "Ambassador-tier champions shaping the roadmap and the program itself.",
        "Early previews, roadmap feedback sessions and the program's open retros.",
        V.HIDDEN,
        (),
        (),
        200,
        (0, 0),
    ),
)
del V


def _wipe_guilds() -> None:
    Membership.objects.all().delete()
    Guild.objects.all().delete()


def _affinity(ctx: DemoContext, plan: GuildPlan, person: Person) -> float:
    champion = person.champion
    if plan.name == "Ambassador circle":
        return 10.0 if champion.tier == ChampionTier.AMBASSADOR else -1.0
    score = 3.0 * (person.account.industry in plan.industries)
    score += 1.5 * len([slug for slug in person.areas if slug in plan.areas])
    if plan.visibility == GuildVisibility.HIDDEN:
        score += 2.0 * (person.account.size_band in (SizeBand.L, SizeBand.XL))
    return score + ctx.rng.uniform(0, 2)


def _appoint(ctx: DemoContext, guild: Guild, person: Person, role: str, at: datetime) -> None:
    membership = services.guild_set_role(guild=guild, champion=person.champion, role=role)
    membership.joined_at = at
    membership.save(update_fields=["joined_at"])
    Activity.objects.filter(
        kind=ActivityKind.LED_GUILD, champion=person.champion, subject_id=guild.pk
    ).update(occurred_at=at)
    ctx.contributed(person.champion, at)
    ctx.leaders.add(person.champion.pk)
    ctx.memberships.setdefault(person.champion.pk, []).append((guild, at))


def _member_rows(ctx: DemoContext, guild: Guild, person: Person, at: datetime) -> list[Membership]:
    record = person.record_at(at)
    rows = [Membership(guild=guild, champion=record, joined_at=at)]
    if person.successor is not None and record is person.champion and person.moved_at:
        rows.append(Membership(guild=guild, champion=person.successor, joined_at=person.moved_at))
    for row in rows:
        ctx.memberships.setdefault(row.champion.pk, []).append((guild, row.joined_at))
    return rows


def _open_guild(ctx: DemoContext, plan: GuildPlan, leading: set[int]) -> list[Membership]:
    rng = ctx.rng
    eligible = [p for p in ctx.joined if p.activated_at and p.left_at is None and not p.moved_at]
    ranked = sorted(eligible, key=lambda p: -_affinity(ctx, plan, p))
    planned = ctx.start + timedelta(days=plan.opened_day)
    if plan.name == GUILDS[0].name:
        lead = next(p for p in ctx.people if p.staying_active)
    else:
        founders = [p for p in ranked if p.core and p.champion.pk not in leading]
        early = [p for p in founders if p.since < planned - timedelta(days=7)]
        lead = (early or sorted(founders, key=lambda p: p.since))[0]
    leading.add(lead.champion.pk)
    opened = min(max(planned, ctx.later(lead.since, 7, 20)), ctx.days_ago(1, 2))
    guild = Guild.objects.create(
        name=plan.name,
        slug=ascii_slug(plan.name, "-"),
        theme=plan.theme,
        description=plan.description,
        visibility=plan.visibility,
        created_at=opened,
    )
    ctx.guilds.append(guild)
    _appoint(ctx, guild, lead, MembershipRole.LEAD, opened)
    deputies = [p for p in ranked if p is not lead and ctx.age(p) > 45][: rng.randint(1, 2)]
    for deputy in deputies:
        appointed = ctx.later(max(opened, deputy.since + timedelta(days=30)), 0, 30)
        appointed = max(opened, min(appointed, ctx.days_ago(1, 3)))
        _appoint(ctx, guild, deputy, MembershipRole.DEPUTY, appointed)
    taken = {p.champion.pk for p in [lead, *deputies]}
    pool = [p for p in ctx.joined if p.champion.pk not in taken]
    pool.sort(key=lambda p: -_affinity(ctx, plan, p))
    if plan.name == "Ambassador circle":
        count = len([p for p in pool if p.champion.tier == ChampionTier.AMBASSADOR])
    else:
        count = rng.randint(*plan.members)
    rows: list[Membership] = []
    for person in pool[:count]:
        at = ctx.later(max(opened, person.since), 0.5, 45)
        if at < min(person.left_at or ctx.now, ctx.now):
            rows += _member_rows(ctx, guild, person, at)
    if plan.visibility == GuildVisibility.PRIVATE:
        for person in [p for p in pool[count:] if p.left_at is None and not p.moved_at][:2]:
            requested = ctx.days_ago(0.5, 9)
            rows.append(
                Membership(
                    guild=guild,
                    champion=person.champion,
                    status=MembershipStatus.REQUESTED,
                    joined_at=requested,
                )
            )
    return rows


@demo_section("guilds", wipe=_wipe_guilds)
def build_guilds(ctx: DemoContext) -> None:
    leading: set[int] = set()
    rows: list[Membership] = []
    for plan in GUILDS:
        rows += _open_guild(ctx, plan, leading)
    Membership.objects.bulk_create(rows, batch_size=BATCH_SIZE)


# --- buddies ------------------------------------------------------------------------------


def _pick_buddy(ctx: DemoContext, newcomer: Person, load: Counter[Person]) -> Person | None:
    mentors = [p for p in ctx.people if p.core and p is not newcomer and load[p] < 5]
    for lead_days in (45, 7):
        candidates = [
            p
            for p in mentors
            if p.activated_at and p.activated_at < newcomer.since - timedelta(days=lead_days)
        ]
        if candidates:
            weights = [1 + 3 * (p.account.region == newcomer.account.region) for p in candidates]
            return ctx.pick(candidates, weights)
    return None


@demo_section("buddies")
def build_buddies(ctx: DemoContext) -> None:
    """Newcomers get a buddy in their first days; it became standard in the last months."""
    load: Counter[Person] = Counter()
    paired: dict[int, datetime] = {}
    for newcomer in ctx.joined:
        chance = 1.0 if newcomer.staying_active or ctx.age(newcomer) < 120 else 0.55
        if newcomer.moved_at or ctx.rng.random() > chance:
            continue
        at = ctx.later(newcomer.since, 0.2, 4)
        buddy = _pick_buddy(ctx, newcomer, load)
        if buddy is None or at >= min(newcomer.left_at or ctx.now, ctx.now):
            continue
        load[buddy] += 1
        services.champion_assign_buddy(champion=newcomer.champion, buddy=buddy.champion)
        newcomer.champion.buddy_paired_at = paired[newcomer.champion.pk] = at
        ctx.contributed(buddy.champion, at)
    Champion.objects.bulk_update(
        [p.champion for p in ctx.joined if p.champion.pk in paired], ["buddy_paired_at"]
    )
    logged = list(Activity.objects.filter(kind=ActivityKind.MENTORED_AS_BUDDY))
    for activity in logged:
        activity.occurred_at = paired[activity.subject_id or 0]
    Activity.objects.bulk_update(logged, ["occurred_at"], batch_size=BATCH_SIZE)


# --- consent ------------------------------------------------------------------------------

CONSENT_TEXTS = {
    ConsentScope.REFERENCE_CALL: "We may put prospective customers in touch with you for a "
    "reference call of up to 30 minutes, at most twice a quarter. You may decline any single "
    "request and withdraw this consent at any time.",
    ConsentScope.LOGO: "We may show your company's logo on our website and in sales "
    "presentations as a customer of ours, until you withdraw this consent.",
    ConsentScope.QUOTE: "We may publish quotes you have approved in writing, with your name, "
    "job title and company, on our website and in sales material.",
    ConsentScope.CASE_STUDY: "We may write a case study about your team's use of the product; "
    "you approve the final text before it is published anywhere.",
    ConsentScope.VIDEO: "We may record a video testimonial with you and publish it on our "
    "website and social channels; you approve the final cut.",
}
REFERENCE_CALL_V2 = (
    " A call is recorded only if you agree at its start, and the recording is deleted "
    "after 90 days."
)
CONSENT_CHANCE = {
    ConsentScope.REFERENCE_CALL: 0.35,
    ConsentScope.QUOTE: 0.25,
    ConsentScope.LOGO: 0.18,
    ConsentScope.CASE_STUDY: 0.12,
    ConsentScope.VIDEO: 0.06,
}
CONSENT_METHODS = (
    ConsentMethod.PORTAL,
    ConsentMethod.EMAIL,
    ConsentMethod.SIGNED_FORM,
    ConsentMethod.RECORDED_CALL,
)


@dataclass(frozen=True)
class _ConsentStep:
    at: datetime
    person: Person | None  # None: the reference-call text gets its second version
    scope: str = ""
    granted: bool = True
    method: str = ConsentMethod.PORTAL


def _wipe_consent() -> None:
    ConsentRecord.objects.all().delete()
    ConsentText.objects.all().delete()
    refresh_reference_call_consent()


def _consent_plan(ctx: DemoContext, second_version: datetime) -> list[_ConsentStep]:
    rng, steps = ctx.rng, [_ConsentStep(at=second_version, person=None)]
    for person in ctx.joined:
        until = min(person.left_at or ctx.now, ctx.now)
        for scope, chance in CONSENT_CHANCE.items():
            if rng.random() > chance + 0.4 * person.core * (scope == ConsentScope.REFERENCE_CALL):
                continue
            method = ctx.pick(CONSENT_METHODS, (12, 4, 2, 1))
            at = at_work(
                rng, ctx.later(person.since, 10, 10), ctx.later(person.since, 200, 200), person.zone
            )
            if at >= until:
                continue
            steps.append(_ConsentStep(at, person, scope, True, method))
            renewable = scope == ConsentScope.REFERENCE_CALL and at < second_version < until
            if renewable and rng.random() < 0.6:
                again = ctx.later(second_version, 2, 45)
                if again < until:
                    steps.append(_ConsentStep(again, person, scope, True, method))
            withdrawn = ctx.later(at, 20, 150)
            if person.left_at is not None and rng.random() < 0.6:
                withdrawn = person.left_at - timedelta(hours=1)
            elif rng.random() > 0.12:
                continue
            if at < withdrawn < until:
                steps.append(_ConsentStep(withdrawn, person, scope, False, ConsentMethod.EMAIL))
    return sorted(steps, key=lambda step: step.at)


@demo_section("consent", wipe=_wipe_consent)
def build_consent(ctx: DemoContext) -> None:
    texts = [
        services.consent_text_publish(scope=scope, version="1", body=body)
        for scope, body in CONSENT_TEXTS.items()
    ]
    ConsentText.objects.filter(pk__in=[t.pk for t in texts]).update(
        published_at=ctx.start - timedelta(days=30)
    )
    second_version = ctx.days_ago(140, 160)
    recorded: dict[int, tuple[ConsentRecord, datetime]] = {}
    for step in _consent_plan(ctx, second_version):
        if step.person is None:
            text = services.consent_text_publish(
                scope=ConsentScope.REFERENCE_CALL,
                version="2",
                body=CONSENT_TEXTS[ConsentScope.REFERENCE_CALL] + REFERENCE_CALL_V2,
            )
            ConsentText.objects.filter(pk=text.pk).update(published_at=step.at)
            continue
        champion = step.person.record_at(step.at)
        by_self = step.method in (ConsentMethod.PORTAL, ConsentMethod.EMAIL)
        actor = champion.user if by_self else ctx.users["admin"]
        change = services.consent_grant if step.granted else services.consent_withdraw
        record = change(champion=champion, scope=step.scope, method=step.method, actor=actor)
        if record is not None and record.pk not in recorded:
            recorded[record.pk] = (record, step.at)
    for record, at in recorded.values():
        record.recorded_at = at
    ConsentRecord.objects.bulk_update(
        [record for record, _ in recorded.values()], ["recorded_at"], batch_size=BATCH_SIZE
    )
    refresh_reference_call_consent()  # the records' times moved into the past


# --- a year of history --------------------------------------------------------------------

K = ActivityKind
PARTICIPATION: dict[str, float] = {
    K.RSVP: 30,
    K.ATTENDED_EVENT: 26,
    K.ASKED_QUESTION: 14,
    K.REUSED_TEMPLATE: 16,
}
CONTRIBUTION: dict[str, float] = {
    K.ANSWERED_QUESTION: 14,
    K.SHARED_TEMPLATE: 5,
    K.PRESENTED_AT_DEMO: 1.5,
    K.GAVE_REFERENCE: 1,
    K.WROTE_STORY: 0.6,
}
IN_A_GUILD = frozenset(
    {
        K.TEMPLATE_VIEWED,
        K.RSVP,
        K.ATTENDED_EVENT,
        K.ASKED_QUESTION,
        K.REUSED_TEMPLATE,
        K.ANSWERED_QUESTION,
        K.SHARED_TEMPLATE,
        K.PRESENTED_AT_DEMO,
        K.HOSTED_CLINIC,
        K.MODERATED,
    }
)
SOURCES: dict[str, str] = {
    K.ATTENDED_EVENT: ActivitySource.SYSTEM,
    K.PRESENTED_AT_DEMO: ActivitySource.ADMIN,
    K.HOSTED_CLINIC: ActivitySource.ADMIN,
    K.GAVE_REFERENCE: ActivitySource.ADMIN,
}
FIRST_VALUE_KINDS = (K.ATTENDED_EVENT, K.REUSED_TEMPLATE)
del K


def _next_month(month: datetime) -> datetime:
    return (month + timedelta(days=32)).replace(day=1)


def _still_active(rng: random.Random, person: Person, months_in: int, was_active: bool) -> bool:
    """The retention curve: a core that stays, the rest fading to a steady few after month 1."""
    if person.staying_active:
        return True
    if person.core:
        return rng.random() < 0.9
    if months_in == 1:
        return rng.random() < 0.5
    return rng.random() < (0.55 if was_active else 0.07)


def _activity(ctx: DemoContext, person: Person, kind: str, at: datetime) -> Activity:
    record = person.record_at(at)
    guild = None
    if kind in IN_A_GUILD:
        guilds = [g for g, since in ctx.memberships.get(record.pk, []) if since <= at]
        if guilds and ctx.rng.random() < 0.7:
            guild = ctx.rng.choice(guilds)
    if ACTIVITY_LEVELS[kind] > ActivityLevel.OBSERVER:
        ctx.contributed(record, at)
    return Activity(
        champion=record,
        actor=record.user if kind == ActivityKind.MODERATED else None,
        kind=kind,
        level=ACTIVITY_LEVELS[kind],
        occurred_at=at,
        guild=guild,
        source=SOURCES.get(kind, ActivitySource.PORTAL),
    )


def _contribution_kinds(ctx: DemoContext, person: Person) -> tuple[list[str], list[float]]:
    weights = dict(PARTICIPATION)
    weights.update({k: w * (2.5 if person.core else 1) for k, w in CONTRIBUTION.items()})
    weights[ActivityKind.HOSTED_CLINIC] = 3 if person.core else 0
    weights[ActivityKind.MODERATED] = 3 if person.champion.pk in ctx.leaders else 0
    return list(weights), list(weights.values())


def _month(
    ctx: DemoContext, person: Person, low: datetime, high: datetime, active: bool, first: bool
) -> list[Activity]:
    rng = ctx.rng
    kinds: list[str] = []
    if active:
        contributions = rng.choice((1, 1, 1, 2, 2, 3)) if not person.core else rng.randint(3, 7)
        if first:
            contributions = rng.choice((0, 1, 1, 2))
        options, weights = _contribution_kinds(ctx, person)
        kinds += rng.choices(options, weights=weights, k=contributions)
        kinds += [ActivityKind.LOGIN] * (rng.randint(1, 4) + contributions // 2)
        kinds += [ActivityKind.PAGE_VIEW] * rng.randint(2, 9)
        kinds += [ActivityKind.TEMPLATE_VIEWED] * rng.randint(0, 3)
    else:
        kinds += [ActivityKind.LOGIN] * (rng.random() < 0.3)
        kinds += [ActivityKind.PAGE_VIEW] * rng.randint(0, 2) * (rng.random() < 0.3)
    return [_activity(ctx, person, k, at_work(rng, low, high, person.zone)) for k in kinds]


def _person_history(ctx: DemoContext, person: Person) -> list[Activity]:
    end = min(person.left_at or ctx.now, ctx.now)
    rows: list[Activity] = []
    active = True
    for months_in, month in enumerate(month_starts(person.since, end)):
        low, high = max(month, person.since), min(_next_month(month), end)
        if months_in > 0:
            active = _still_active(ctx.rng, person, months_in, active)
        rows += _month(ctx, person, low, high, active, first=months_in == 0)
    if person.moved_at is not None:  # the first thing at the new company: a demo
        at = at_work(
            ctx.rng,
            ctx.later(person.moved_at, 0.1, 0.1),
            ctx.later(person.moved_at, 3, 3),
            person.zone,
        )
        rows.append(_activity(ctx, person, ActivityKind.ATTENDED_EVENT, min(at, ctx.now)))
    if person.staying_active:
        at = at_work(ctx.rng, ctx.days_ago(10, 10), ctx.now, person.zone)
        rows.append(_activity(ctx, person, ActivityKind.ANSWERED_QUESTION, at))
    return rows


def _staff_moderation(ctx: DemoContext) -> list[Activity]:
    moderator, zone = ctx.users["moderator"], ZoneInfo("Europe/Berlin")
    rows = []
    for month in month_starts(ctx.start, ctx.now):
        low, high = max(month, ctx.start), min(_next_month(month), ctx.now)
        for _ in range(ctx.rng.randint(2, 6)):
            at = at_work(ctx.rng, low, high, zone)
            guilds = [g for g in ctx.guilds if g.created_at <= at]
            rows.append(
                Activity(
                    actor=moderator,
                    kind=ActivityKind.MODERATED,
                    level=ACTIVITY_LEVELS[ActivityKind.MODERATED],
                    occurred_at=at,
                    guild=ctx.rng.choice(guilds) if guilds else None,
                    source=ActivitySource.ADMIN,
                )
            )
    return rows


def _record_first_values(rows: Iterable[Activity]) -> None:
    first: dict[int, tuple[Champion, datetime]] = {}
    for row in rows:
        champion = row.champion
        if champion is None or row.kind not in FIRST_VALUE_KINDS:
            continue
        if champion.joined_at is None or row.occurred_at < champion.joined_at:
            continue
        if champion.pk not in first or row.occurred_at < first[champion.pk][1]:
            first[champion.pk] = (champion, row.occurred_at)
    for champion, at in first.values():
        services.champion_record_first_value(champion=champion, at=at)


def _wipe_history() -> None:
    Activity.objects.all().delete()


@demo_section("history", wipe=_wipe_history)
def build_history(ctx: DemoContext) -> None:
    rows = _staff_moderation(ctx)
    for person in ctx.joined:
        rows += _person_history(ctx, person)
    Activity.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    _record_first_values(rows)


# --- where everyone stands today ------------------------------------------------------------


def settled_state(
    contributions: Iterable[datetime], since: datetime, now: datetime, after: timedelta
) -> tuple[str, datetime]:
    """The state an active-since-`since` champion has at `now` given their contributions.

    As the nightly job does it: `after` without a contribution makes them dormant, the next
    contribution makes them active again.
    """
    latest = since
    for at in sorted(contributions):
        if at <= latest:
            continue
        if at - latest > after:
            since = at
        latest = at
    if now - latest > after:
        return ChampionState.DORMANT, latest + after
    return ChampionState.ACTIVE, since


@demo_section("lifecycle")
def build_lifecycle(ctx: DemoContext) -> None:
    after = timedelta(days=settings.CHAMPION_DORMANT_AFTER_DAYS)
    changed: list[Champion] = []
    for person in ctx.joined:
        if person.left_at is not None:
            services.champion_mark_alumni(champion=person.champion)
            person.champion.state_changed_at = person.left_at
            changed.append(person.champion)
            continue
        if person.successor is not None and person.moved_at is not None:
            record, since = person.successor, person.moved_at
        elif person.activated_at is not None:
            record, since = person.champion, person.activated_at
        else:
            continue
        contributions = ctx.contributions.get(record.pk, [])
        state, record.state_changed_at = settled_state(contributions, since, ctx.now, after)
        if state == ChampionState.DORMANT:
            services.champion_mark_dormant(champion=record)
            record.state_changed_at = settled_state(contributions, since, ctx.now, after)[1]
        changed.append(record)
    Champion.objects.bulk_update(changed, ["state_changed_at"], batch_size=BATCH_SIZE)


@demo_section("sign-in")
def build_sign_in(ctx: DemoContext) -> None:
    """Verified email addresses for every user, so the demo logins can sign in at once.

    Sign-in requires a verified email; a champion's is verified by following the invitation
    link (the portal's join flow) and the staff's by the program team.
    """
    from allauth.account.models import EmailAddress

    have = EmailAddress.objects.values("user_id")
    EmailAddress.objects.bulk_create(
        (
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in User.objects.exclude(pk__in=have).only("pk", "email")
        ),
        batch_size=BATCH_SIZE,
    )


# --- the summary --------------------------------------------------------------------------

LOGINS = (
    (ADMIN_EMAIL, "program manager, superuser"),
    (MODERATOR_EMAIL, "moderator"),
    (SALES_EMAIL, "sales"),
    (CHAMPION_EMAIL, "champion: guild lead with a buddy"),
)


def summary(now: datetime | None = None) -> list[str]:
    """What was loaded, in the words of the program."""
    now = now or timezone.now()
    states = Counter(Champion.objects.values_list("state", flat=True))
    invitations = Invitation.objects.all()
    accepted = invitations.filter(accepted_at__isnull=False).count()
    replaced = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=False).count()
    unused = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    expired = unused.filter(expires_at__lte=now).count()
    months = {at.strftime("%Y-%m") for at in Activity.objects.values_list("occurred_at", flat=True)}
    withdrawn = ConsentRecord.objects.filter(granted=False).count()
    accounts = Account.objects.all()
    lines = [
        f"Accounts: {accounts.count()} in {accounts.values('industry').distinct().count()} "
        f"industries and {accounts.values('region').distinct().count()} regions; "
        f"{ProductArea.objects.count()} product areas",
        f"Champions: {sum(states.values())} ("
        + ", ".join(f"{states[s]} {s}" for s in ChampionState.values)
        + ")",
        f"Guilds: {Guild.objects.count()} with {Membership.objects.count()} memberships",
        f"Invitations: {invitations.count()} ({accepted} accepted, {unused.count() - expired} "
        f"open, {expired} expired, {replaced} replaced by a reminder; "
        f"{invitations.filter(invited_by_champion__isnull=False).count()} from peers)",
        f"Activities: {Activity.objects.count()} over {len(months)} months",
        f"Consent: {ConsentText.objects.count()} texts, {ConsentRecord.objects.count()} records "
        f"({withdrawn} withdrawals)",
        f"Users: {User.objects.count()}",
        f"Logins (password “{DEMO_PASSWORD}”):",
    ]
    return lines + [f"  {email:<24} {role}" for email, role in LOGINS]
