"""The sentences that explain a candidate's points, one per score component."""

from __future__ import annotations

from collections.abc import Mapping

from champions.models import Champion, Industry, Region, SizeBand
from programs.references import conf
from programs.references.matching.scoring import RECENT_POINTS, WEIGHTS
from programs.references.models import ReferenceRequest

LABELS: dict[str, str] = {
    "industry": "Industry",
    "use_case": "Use case",
    "product_areas": "Product areas",
    "size_band": "Company size",
    "region": "Region",
    "timezone": "Time zone",
    "language": "Language",
    "recent_activity": "Recent activity",
    "fatigue_headroom": "Fatigue headroom",
    "past_acceptance": "Past acceptance",
}
LANGUAGE_NAMES = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "pl": "Polish",
    "sv": "Swedish",
    "ja": "Japanese",
}
ACCEPTED_FROM_POINTS = {0: "0", 2: "1", 4: "2", 5: "3 or more"}


def reasons(
    *,
    champion: Champion,
    request: ReferenceRequest,
    values: Mapping[str, int],
    areas: list[str],
    requested_areas: int,
) -> dict[str, str]:
    """Why the champion got each component's points (`values`: pts_*, ref_cap, ref_load)."""
    account = champion.account
    prospect_industry = Industry(request.prospect_industry).label
    language = LANGUAGE_NAMES.get(request.language, request.language)
    cap = values["ref_cap"]
    accepted = ACCEPTED_FROM_POINTS.get(values["pts_past_acceptance"], "?")
    return {
        "industry": f"Same industry as the prospect ({prospect_industry})"
        if values["pts_industry"]
        else f"Other industry ({Industry(account.industry).label}, prospect: {prospect_industry})",
        "use_case": _use_case(request, values["pts_use_case"]),
        "product_areas": "The request names no product areas"
        if not requested_areas
        else f"Uses {len(areas)} of {requested_areas} requested product areas"
        + (f": {', '.join(areas)}" if areas else ""),
        "size_band": _size(champion, request, values["pts_size_band"]),
        "region": f"Same region ({Region(account.region).label})"
        if values["pts_region"]
        else f"Other region ({Region(account.region).label}, prospect: "
        f"{Region(request.prospect_region).label})",
        "timezone": _timezone(champion, request, values["pts_timezone"]),
        "language": f"Speaks {language}"
        if values["pts_language"]
        else f"Does not list {language} among their languages",
        "recent_activity": {
            RECENT_POINTS[0]: "Contributed in the last 30 days",
            RECENT_POINTS[1]: "Contributed in the last 90 days",
        }.get(values["pts_recent_activity"], "No contribution in the last 90 days"),
        "fatigue_headroom": f"{cap - values['ref_load']} of {cap} reference slots free "
        "in the rolling 90 days",
        "past_acceptance": f"Accepted {accepted} earlier reference request(s)"
        if values["pts_past_acceptance"]
        else "No earlier accepted requests (declines never count against anyone)",
    }


def _use_case(request: ReferenceRequest, value: int) -> str:
    if request.use_case_id is None:
        return "The request names no use case"
    name = request.use_case.name if request.use_case else ""
    if value:
        return f"Has proven or stated experience with “{name}”"
    return f"No story or stated experience with “{name}”"


def _size(champion: Champion, request: ReferenceRequest, value: int) -> str:
    own = SizeBand(champion.account.size_band).label
    prospect = SizeBand(request.prospect_size_band).label
    if value == WEIGHTS["size_band"]:
        return f"Same company size ({own} employees)"
    if value:
        return f"Neighbouring company size ({own}, prospect: {prospect})"
    return f"Different company size ({own}, prospect: {prospect})"


def _timezone(champion: Champion, request: ReferenceRequest, value: int) -> str:
    if not request.prospect_timezone:
        return "The prospect's time zone is not known"
    hours = conf.TIMEZONE_CLOSE_HOURS
    if value:
        return f"Time zone {champion.timezone} within {hours} h of the prospect's"
    return f"Time zone {champion.timezone} more than {hours} h from the prospect's"
