"""Benchmark: matching one reference request against 100,000 champions and 20,000 stories.

Run it against a throwaway PostgreSQL database (it migrates it and fills it on first use):

    createdb -h 127.0.0.1 -U postgres champions_refbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/champions_refbench DEBUG=1 \\
        .venv/bin/python bench/bench_reference_matching.py [--runs 11] [--explain]

What it measures, at the fixed moment `bench.reference_matching_data.REFERENCE`, in one run:
1. `match_request(limit=20)`: the top 20 with every score component, explanations and best
   stories — median (and fastest) wall time over the runs after one warm-up, and its query
   count (the request itself is loaded outside the timing);
2. the baseline: a plain filtered query over the same tables — active champions in the
   prospect's industry with current reference-call consent, LIMIT 20 — median and queries.
3. for reference, the first page (50 newest) of `stories_visible_to_sales()`, the consent-checked
   story list sales reads.
`--explain` prints EXPLAIN (ANALYZE, BUFFERS) of the ranking query.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import reference_matching_data as data  # noqa: E402
from bench.machine import machine  # noqa: E402
from champions.models import (  # noqa: E402
    Champion,
    ChampionState,
    ConsentScope,
    ProductArea,
    User,
)
from programs.references import matching  # noqa: E402
from programs.references.consent import consent_granted  # noqa: E402
from programs.references.models import (  # noqa: E402
    Deal,
    ReferenceRequest,
    ReferenceStory,
    UseCase,
)
from programs.references.selectors import (  # noqa: E402
    offer_due_at,
    stories_visible_to_sales,
)


def the_request() -> ReferenceRequest:
    """The request matched in every run (created once, never offered)."""
    existing = ReferenceRequest.objects.filter(prospect_company="Bench Prospect").first()
    if existing is not None:
        return existing
    request = ReferenceRequest.objects.create(
        requested_by=User.objects.get(email="seller@bench.example"),
        deal=Deal.objects.create(name="Bench deal", crm_id="bench-deal"),
        prospect_company="Bench Prospect",
        prospect_industry="fintech",
        prospect_region="emea",
        prospect_size_band="200-999",
        prospect_timezone="Europe/Berlin",
        language="de",
        use_case=UseCase.objects.order_by("pk").first(),
        activity_type="call",
        requested_at=data.REFERENCE,
        offer_due_at=offer_due_at(data.REFERENCE),
    )
    request.product_areas.set(ProductArea.objects.order_by("pk")[:3])
    return request


def fresh(request: ReferenceRequest) -> ReferenceRequest:
    return ReferenceRequest.objects.get(pk=request.pk)


def baseline(request: ReferenceRequest) -> list[Champion]:
    return list(
        Champion.objects.filter(
            state=ChampionState.ACTIVE,
            erased_at__isnull=True,
            account__industry=request.prospect_industry,
        )
        .alias(consent=consent_granted(ConsentScope.REFERENCE_CALL, at=data.REFERENCE))
        .filter(consent=True)
        .order_by("pk")[:20]
    )


def sales_page(request: ReferenceRequest) -> list[ReferenceStory]:
    """What a sales list shows first: the 50 newest stories sales may use (consent in SQL)."""
    visible = stories_visible_to_sales(at=data.REFERENCE)
    return list(visible.order_by("-published_at", "-id")[:50])


def timed(
    call: Callable[[ReferenceRequest], Any], request: ReferenceRequest, runs: int
) -> tuple[float, float, int, Any]:
    """Median and fastest seconds over `runs` (after a warm-up), the query count of one call,
    and a result. Each call gets a freshly loaded request (nothing cached on it), loaded
    outside the timing."""
    result = call(fresh(request))
    loaded = fresh(request)
    with CaptureQueriesContext(connection) as queries:
        call(loaded)
    seconds = []
    for _ in range(runs):
        loaded = fresh(request)
        started = time.perf_counter()
        call(loaded)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), min(seconds), len(queries), result


def explain(request: ReferenceRequest) -> str:
    area_ids = sorted(request.product_areas.values_list("pk", flat=True))
    ranking = (
        matching.candidates(request=request, at=data.REFERENCE, area_ids=area_ids)
        .select_related("account")
        .order_by("-match_score", "pk")[:20]
    )
    return ranking.explain(analyze=True, buffers=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--champions", type=int, default=100_000)
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run it on PostgreSQL: set DATABASE_URL to a throwaway database.")
    call_command("migrate", verbosity=0)
    if not data.is_generated():
        started = time.perf_counter()
        counts = data.generate(champions=args.champions, stories=args.stories)
        data.analyze()
        print(f"generated in {time.perf_counter() - started:.0f} s: {counts}")
    request = the_request()
    champions = Champion.objects.count()
    stories = ReferenceStory.objects.count()

    def match(loaded: ReferenceRequest) -> list[matching.MatchCandidate]:
        return matching.match_request(request=loaded, limit=20, at=data.REFERENCE)

    match_s, match_min, match_q, top = timed(match, request, args.runs)
    plain_s, plain_min, plain_q, _ = timed(baseline, request, args.runs)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"data: {champions:,} champions, {stories:,} stories; {machine()}; load {load}")
    print(
        f"match_request top 20: median {match_s * 1000:.0f} ms "
        f"(fastest {match_min * 1000:.0f} ms), {match_q} queries"
    )
    print(
        f"plain filtered LIMIT 20: median {plain_s * 1000:.1f} ms "
        f"(fastest {plain_min * 1000:.1f} ms), {plain_q} queries"
    )
    print(f"ratio of medians: {match_s / plain_s:.0f}x; {args.runs} runs after one warm-up")
    print("top 3:", [(c.champion.pk, c.score) for c in top[:3]])
    page_s, page_min, page_q, _ = timed(sales_page, request, args.runs)
    visible = stories_visible_to_sales(at=data.REFERENCE).count()
    print(
        f"stories_visible_to_sales, first 50 of {visible:,}: "
        f"median {page_s * 1000:.0f} ms (fastest {page_min * 1000:.0f} ms), {page_q} queries"
    )
    if args.explain:
        print(explain(fresh(request)))


if __name__ == "__main__":
    main()
