"""User Markdown is rendered inert: no scripts, no event handlers, no javascript: links."""

from __future__ import annotations

import pytest

from champions.markdown import render_markdown
from programs.clinics import selectors
from tests.programs.factories import QuestionFactory

HOSTILE = """\
# Export **fast**

<script>alert("x")</script>

<img src="x.png" onerror="alert(1)">

<a href="https://example.com" onclick="steal()">ok link</a>

[click](javascript:alert(1)) <a href="JaVaScRiPt:alert(2)">two</a>

<iframe src="https://evil.example"></iframe>
"""


def test_hostile_markdown_is_rendered_inert() -> None:
    html = render_markdown(HOSTILE).lower()

    assert "<h1>export <strong>fast</strong></h1>" in html
    assert "<script" not in html
    assert 'alert("x")' not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow noopener noreferrer"' in html


@pytest.mark.django_db
def test_question_bodies_go_through_the_same_renderer() -> None:
    question = QuestionFactory(body="<b onmouseover=alert(1)>hi</b> `code`")

    html = selectors.question_body_html(question)

    assert "onmouseover" not in html
    assert "<code>code</code>" in html
