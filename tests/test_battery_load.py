"""The load run (docs/reliability.md, "1. Load"), briefly: bench/load.py on a database of its
own with 100,000 places, behind a stack of its own, loses no request.

About 50 s on a quiet machine, most of it the import of the places (about 20 s) and the
stack's start; CI runs it (`pytest -m battery`). Needs wrk (`make wrk`), nginx (`make nginx`),
the PostgreSQL server of the suite's DATABASE_URL (or 127.0.0.1:5432) and Redis.
"""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from tests.processes import ROOT, bare_environment

pytestmark = pytest.mark.battery
PLACES = 100_000


def test_a_short_load_run_on_100k_places_loses_no_request(tmp_path):
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/guide"
    name = f"{urlsplit(base).path.strip('/') or 'guide'}_battery_load_{os.getpid()}"
    env = bare_environment(DATABASE_URL=base)
    if os.environ.get("CACHE_URL", "").startswith("redis"):
        env["CACHE_URL"] = os.environ["CACHE_URL"]
    figures = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--database", name, "--places", str(PLACES)]
        + ["--seconds", "3", "--workers", "2", "--urls", "200", "--json", figures],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    sys.stdout.write(run.stdout)  # the figures, in the test's output
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(figures.read_text())
    assert (report["places"], report["workers"], report["paths"]) == (PLACES, 2, 200)
    assert report["lost"] == report["warm_up_lost"] == 0
    phases = report["phases"]
    assert list(phases) == ["floor", "django", "nginx"]
    for phase, figures in phases.items():
        assert figures["requests"] > 0 and figures["lost"] == 0, phase
        assert all(200 <= int(status) < 400 for status in figures["statuses"]), phase
        assert sum(figures["statuses"].values()) == figures["requests"], phase
        for kind in ("connect", "read", "write", "timeout"):
            assert figures[kind] == 0, (phase, kind)
        assert figures["p50_ms"] <= figures["p99_ms"], phase
    # The floor is never cached; the second phase passes nginx's cache by, the third is
    # answered from it.
    assert set(phases["floor"]["cache"]) == {"MISS"}
    assert set(phases["django"]["cache"]) == {"BYPASS"}
    assert set(phases["nginx"]["cache"]) <= {"HIT", "REVALIDATED"}
    assert phases["nginx"]["cache"]["HIT"] > 0

    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"PostgreSQL, {PLACES:,} places, migrated and imported, ")
    for label in ("framework floor: /healthz", "mix, nginx cache passed by", "mix, nginx cache"):
        assert any(line.startswith(label) for line in lines), label
    assert lines[-1] == "lost requests: 0"
    # Its database is dropped.
    server = urlunsplit(urlsplit(base)._replace(path="/postgres"))
    with psycopg.connect(server) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        assert connection.execute(query, [name]).fetchone() is None
