"""Steps a newcomer must complete before onboarding can finish, beyond the core ones.

The core asks for a profile and one guild (`selectors.onboarding_progress`). Other apps add
requirements from `AppConfig.ready()`; governance adds accepting the code of conduct:

    from champions.portal.onboarding import Requirement, register_requirement
    register_requirement(Requirement(
        "code_of_conduct", "Accept the code of conduct", has_accepted_current_code,
        url_name="portal:governance:code_of_conduct",
    ))

and usually a block on the welcome page (`champions.portal.panels.ONBOARDING`) where the
champion does it. `is_done` takes the champion and should cost one query at most.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from champions.models import Champion
from champions.selectors import OnboardingStep


@dataclass(frozen=True)
class Requirement:
    key: str
    label: str
    is_done: Callable[[Champion], bool]
    url_name: str | None = None


REQUIREMENTS: dict[str, Requirement] = {}


def register_requirement(requirement: Requirement) -> None:
    REQUIREMENTS[requirement.key] = requirement


def extra_steps(champion: Champion) -> list[OnboardingStep]:
    return [
        OnboardingStep(
            req.key,
            req.label,
            req.is_done(champion),
            url=reverse(req.url_name) if req.url_name else "",
        )
        for req in REQUIREMENTS.values()
    ]
