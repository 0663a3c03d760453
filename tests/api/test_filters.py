"""The project's FilterSet builds its form class once and still validates each request's data."""

from __future__ import annotations

from django.http import QueryDict

from programs.references.api.filters import ReferenceFilter, StoryFilter


def test_one_form_class_per_filter_set_each_form_its_own_data() -> None:
    good = ReferenceFilter(QueryDict("industry=fintech"))
    bad = ReferenceFilter(QueryDict("industry=banking&has_video=perhaps"))
    assert type(good.form) is type(bad.form)
    assert type(StoryFilter(QueryDict("")).form) is not type(good.form)
    assert good.is_valid() and good.form.cleaned_data["industry"] == "fintech"
    assert not bad.is_valid() and set(bad.errors) == {"industry", "has_video"}
