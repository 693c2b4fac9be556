"""Benchmark of the page cache under edits: hit ratio and view cost, site-wide version or ours.

Run from the repository root:

    .venv/bin/python bench/cache.py                            # SQLite, 1M places
    .venv/bin/python bench/cache.py --size 100000 --seconds 60 --views-per-second 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide .venv/bin/python bench/cache.py

Replays page views over the data set of bench/nearby.py (built there, or here when missing,
and reused): each view picks a published place by a Zipf law over a random ranking of them
(exponent --zipf, 1.0 by default: a few places get most views, as real traffic does) and one
of its pages: its page (70%), its nearby page (10%), its API answer (10%), or a listing, the
home page or the first page of the places list (5% each). Time is simulated: views arrive at
--views-per-second, edits at 0, 1 and 10 per second between them, each a committed save of a
place picked by the same law (editors work on the pages people read): a rename (half), a move
of up to 2 km, or a new text for its description. The first third of the views warm the cache
and are not counted. The same views and edits are replayed with the page cache's versions
as they are (per place, region, town, country and listing) and as they were before them (one
site-wide version that every edit moves on), each from an empty cache (local memory, large
enough for every page); without edits the two are the same, and run once. Prints, for each,
the share of counted views served from the cache and the median and mean time of a view. The
edits stay in the data set (renamed places, moved by up to 2 km). See docs/performance.md.
"""

import argparse
import bisect
import itertools
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

KINDS = [("page", 70), ("nearby", 10), ("api", 10), ("home", 5), ("list", 5)]


def url_of(kind, slug):
    return {
        "page": f"/places/{slug}/",
        "nearby": f"/places/{slug}/nearby/",
        "api": f"/api/places/{slug}/",
        "home": "/",
        "list": "/places/",
    }[kind]


def zipf_picker(count, exponent, rng):
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(count)))
    total = cumulative[-1]
    return lambda: bisect.bisect_left(cumulative, rng.random() * total)


def replay(events, edit, client, warm_up):
    """(hits, views, [milliseconds]) of the counted views."""
    hits, counted, costs, n = 0, 0, [], -1
    for event in events:
        if event[0] == "edit":
            edit(*event[1:])
            continue
        n += 1
        start = time.perf_counter()
        response = client.get(event[1])
        cost = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (event, response.status_code)
        if n >= warm_up:
            counted += 1
            costs.append(cost)
            hits += getattr(response, "page_cache", None) == "hit"
    return hits, counted, costs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=90, help="simulated seconds (90)")
    parser.add_argument("--views-per-second", type=int, default=100)
    parser.add_argument("--edits-per-second", type=int, nargs="+", default=[0, 1, 10])
    parser.add_argument("--zipf", type=float, default=1.0)
    parser.add_argument(
        "--schemes", nargs="+", choices=["site-wide", "ours"], default=["site-wide", "ours"]
    )
    parser.add_argument(
        "--data-set", default="bench", help="a copy of bench/nearby.py's, to run two at once"
    )
    args = parser.parse_args()

    import nearby

    base = os.environ.get("DATABASE_URL", "")
    os.environ.update(
        DATABASE_URL=nearby.database_url(base, args.size, args.data_set),
        DJANGO_SETTINGS_MODULE="guide.settings",
        SECRET_KEY="bench-only",
        DEBUG="false",
        CACHE_URL="locmemcache://?max_entries=10000000",
        STATIC_ROOT=str(nearby.RESULTS / "static"),
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from places import cache as page_cache
    from places.models import Place, Section

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as in production
    if Place.objects.count() != args.size:
        Place.objects.all().delete()
        nearby.build(args.size)

    rng = random.Random(7)
    slugs = list(Place.objects.published().values_list("slug", flat=True))
    rng.shuffle(slugs)  # the ranking of popularity
    pick = zipf_picker(len(slugs), args.zipf, rng)
    kinds, weights = zip(*KINDS, strict=True)
    views = args.seconds * args.views_per_second
    plans = {}
    for rate in args.edits_per_second:
        plan_rng = random.Random(11)
        events = []
        edits_so_far = 0
        for n in range(views):
            # The edits due by this view's simulated time.
            due = int(n / args.views_per_second * rate)
            for _ in range(due - edits_so_far):
                what = plan_rng.choice(["rename", "rename", "move", "text"])
                events.append(("edit", slugs[pick()], what, plan_rng.random()))
            edits_so_far = max(edits_so_far, due)
            kind = plan_rng.choices(kinds, weights)[0]
            events.append(("view", url_of(kind, slugs[pick()])))
        plans[rate] = events

    def edit(slug, what, share):
        with transaction.atomic():
            place = Place.objects.get(slug=slug)
            if what == "rename":
                place.name = f"{place.name.split(' (')[0]} ({share:.6f})"
                place.save()
            elif what == "move":
                place.latitude = max(-90, min(90, place.latitude + (share - 0.5) * 0.036))
                place.save()
            else:
                Section.objects.update_or_create(
                    place=place,
                    kind=Section.Kind.DESCRIPTION,
                    defaults={"body": f"Described again ({share:.6f})."},
                )

    fine_grained = page_cache.changed

    def site_wide(tags):
        fine_grained({page_cache.EVERYTHING})

    client = Client()
    warm_up = views // 3
    engine = "PostgreSQL" if base.startswith("postgres") else "SQLite"
    print(
        f"{engine}, {args.size:,} places ({len(slugs):,} published), Zipf {args.zipf}, "
        f"{args.views_per_second} views per simulated second for {args.seconds} s "
        f"({views - warm_up:,} counted after {warm_up:,} warming the cache)"
    )
    print(f"{'edits/s':>8} {'scheme':>10} {'hit ratio':>10} {'median ms':>10} {'mean ms':>8}")
    sys.stdout.flush()
    for rate, events in plans.items():
        # Without edits the two schemes are the same: one run.
        schemes = [("site-wide", site_wide), ("ours", fine_grained)][0 if rate else 1 :]
        for scheme, changed in schemes:
            if scheme not in args.schemes and rate:
                continue
            cache.clear()
            page_cache.changed = changed
            try:
                hits, counted, costs = replay(events, edit, client, warm_up)
            finally:
                page_cache.changed = fine_grained
            ratio = hits / counted
            median, mean = statistics.median(costs), statistics.fmean(costs)
            scheme = "both" if not rate else scheme
            print(f"{rate:>8} {scheme:>10} {ratio:>10.1%} {median:>10.2f} {mean:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
