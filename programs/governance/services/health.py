"""Health-check rounds: opened on a cadence, answered per guild, flagged drops reported."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from champions.errors import DomainError
from champions.models import Champion, ChampionState, Guild, MembershipStatus, User
from programs.governance import conf
from programs.governance.models import SCORE_FIELDS, HealthCheckResponse, HealthCheckRound
from programs.governance.services.audit import queue_email

MAX_COMMENT = 2000


def _quarter_title(at: datetime) -> str:
    return f"Health check {at.year} Q{(at.month - 1) // 3 + 1}"


@transaction.atomic
def health_round_open(
    *,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    title: str = "",
    by: User | None = None,
) -> HealthCheckRound:
    opens_at = opens_at or timezone.now()
    closes_at = closes_at or opens_at + timedelta(days=conf.health_check_open_days())
    if closes_at <= opens_at:
        raise DomainError("The round closes before it opens.", field="closes_at")
    overlapping = HealthCheckRound.objects.filter(opens_at__lt=closes_at, closes_at__gt=opens_at)
    if overlapping.exists():
        raise DomainError("Another round is open in that time.", field="opens_at")
    return HealthCheckRound.objects.create(
        title=title.strip() or _quarter_title(opens_at),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=by,
    )


def health_round_open_if_due(*, at: datetime | None = None) -> HealthCheckRound | None:
    """Beat task: open a round when the last one opened `health_check_months` ago or more."""
    at = at or timezone.now()
    last = HealthCheckRound.objects.order_by("-opens_at").first()
    months = conf.health_check_months()
    if last is not None:
        elapsed = (at.year - last.opens_at.year) * 12 + at.month - last.opens_at.month
        if elapsed < months or last.closes_at > at:
            return None
    return health_round_open(opens_at=at)


@transaction.atomic
def health_respond(
    *,
    health_round: HealthCheckRound,
    champion: Champion,
    guild: Guild,
    scores: dict[str, int],
    comment: str = "",
    at: datetime | None = None,
) -> HealthCheckResponse:
    """One answer per champion, guild and round; scores 1–5 for each question."""
    at = at or timezone.now()
    if not health_round.opens_at <= at < health_round.closes_at:
        raise DomainError("This health check is not open.", field="round")
    if champion.erased_at is not None or champion.state in (
        ChampionState.INVITED,
        ChampionState.ALUMNI,
    ):
        raise DomainError("Only current champions answer the health check.", field="champion")
    member = guild.memberships.filter(champion=champion, status=MembershipStatus.ACTIVE)
    if not member.exists():
        raise DomainError("You answer only for your own guilds.", field="guild")
    values = {}
    for field in SCORE_FIELDS:
        value = scores.get(field)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError("Choose 1 to 5 for each question.", field=field)
        values[field] = value
    if len(comment) > MAX_COMMENT:
        raise DomainError(f"Keep the comment under {MAX_COMMENT} characters.", field="comment")
    try:
        with transaction.atomic():
            return HealthCheckResponse.objects.create(
                round=health_round,
                champion=champion,
                guild=guild,
                comment=comment.strip(),
                submitted_at=at,
                **values,
            )
    except IntegrityError as error:
        raise DomainError(
            f"You answered for {guild.name} in this round already. Thank you!", field="guild"
        ) from error


def health_rounds_report_closed(*, at: datetime | None = None) -> int:
    """Beat task: after a round closes, tell the program lead about guilds whose score
    dropped. Returns how many rounds were reported."""
    at = at or timezone.now()
    due = HealthCheckRound.objects.filter(closes_at__lte=at, results_sent_at__isnull=True)
    count = 0
    for health_round in due:
        updated = HealthCheckRound.objects.filter(
            pk=health_round.pk, results_sent_at__isnull=True
        ).update(results_sent_at=at)
        if updated:  # a second worker finds it claimed and skips it
            queue_email("health_results", health_round.pk)
            count += 1
    return count
