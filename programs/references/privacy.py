"""The reference program's part of a champion's data download (GDPR Art. 15, 20).

Registered with `champions.privacy.register_export_section` from `ReferencesConfig.ready()`.
It holds what the program keeps about the person: the stories that feature them, their quotes
word for word, every sign-off (with the text hash it was bound to), their reference
preferences, the reference requests offered to them and the references they gave. Sales' own
notes and the deal behind a request are the company's, not the person's, and stay out.
"""

from __future__ import annotations

from typing import Any

from champions.models import Champion
from programs.references.models import (
    Attribution,
    Quote,
    ReferenceOffer,
    ReferenceProfile,
    StoryFeature,
    StorySignOff,
)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_reference_data(champions: list[Champion]) -> dict[str, Any]:
    ids = [champion.pk for champion in champions]
    features = StoryFeature.objects.filter(champion_id__in=ids).select_related("story")
    quotes = Quote.objects.filter(champion_id__in=ids).select_related("story")
    sign_offs = StorySignOff.objects.filter(champion_id__in=ids).select_related("story", "version")
    profiles = ReferenceProfile.objects.filter(champion_id__in=ids).prefetch_related("use_cases")
    offers = ReferenceOffer.objects.filter(champion_id__in=ids).select_related(
        "request", "request__use_case"
    )
    given = Attribution.objects.filter(champion_id__in=ids).select_related("story")
    return {
        "stories": [
            {
                "story": feature.story.title,
                "status": feature.story.status,
                "published_at": _when(feature.story.published_at),
            }
            for feature in features.order_by("story_id")
        ],
        "quotes": [
            {"story": quote.story.title, "text": quote.text}
            for quote in quotes.order_by("story_id", "position")
        ],
        "sign_offs": [
            {
                "story": sign_off.story.title,
                "version": sign_off.version.number,
                "content_hash": sign_off.content_hash,
                "method": sign_off.method,
                "signed_at": _when(sign_off.signed_at),
            }
            for sign_off in sign_offs.order_by("signed_at", "id")
        ],
        "preferences": [
            {
                "paused": profile.paused,
                "paused_at": _when(profile.paused_at),
                "cooldown_days": profile.cooldown_days,
                "cooldown_until": _when(profile.cooldown_until),
                "references_per_90_days": profile.cap_override,
                "use_cases": sorted(use_case.name for use_case in profile.use_cases.all()),
            }
            for profile in profiles
        ],
        "requests_offered": [
            {
                "prospect_industry": offer.request.prospect_industry,
                "activity_type": offer.request.activity_type,
                "use_case": offer.request.use_case.name if offer.request.use_case else None,
                "offered_at": _when(offer.offered_at),
                "response": offer.response,
                "responded_at": _when(offer.responded_at),
                "decline_reason": offer.decline_reason,
                "decline_note": offer.decline_note,
            }
            for offer in offers.order_by("offered_at", "id")
        ],
        "references_given": [
            {
                "type": attribution.type,
                "date": _when(attribution.date),
                "story": attribution.story.title if attribution.story else None,
            }
            for attribution in given.order_by("date", "id")
        ],
    }
