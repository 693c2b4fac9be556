"""The reliability battery's items 2 and 3 (docs/reliability.md): bench/faults.py restarts
PostgreSQL and kills Redis under load, on a cluster, a redis-server and a serving stack of its
own (needs nginx: `make nginx`; PostgreSQL's server programs and redis-server)."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.processes import ROOT, bare_environment

pytestmark = pytest.mark.battery
FAULTS = ROOT / "bench" / "faults.py"
# Short faults, long enough to see: 3 s of PostgreSQL down, then up to 11 s to see every
# worker serve again (the bound is 10 s); 3 s of Redis down, then 4 s to see pages cached again.
DURATIONS = ["--warm", "3", "--pg-down", "3", "--after", "11", "--settle", "2", "--redis-down", "3"]
DURATIONS += ["--after-redis", "4", "--workers", "3"]


def test_postgres_restarted_and_redis_killed_under_load_lose_no_request_outside_their_windows(
    tmp_path,
):
    # Not under tmp_path: nginx's workers (nobody) and PostgreSQL (postgres) work in it.
    folder = Path(tempfile.mkdtemp(prefix="faults-"))
    report = tmp_path / "faults.json"
    try:
        run = subprocess.run(
            [sys.executable, FAULTS, "--dir", folder, "--json", report, *DURATIONS],
            env=bare_environment(),
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:  # whatever the run left, should it have been killed
        if folder.exists():
            subprocess.run([sys.executable, FAULTS, "--clean", folder], check=True, timeout=120)
    sys.stderr.write(run.stdout)
    assert run.returncode == 0, run.stdout + run.stderr
    figures = json.loads(report.read_text())
    assert all(figures["verdicts"].values()), figures["verdicts"]

    assert figures["failed_outside_windows"] == 0, figures["examples_outside"]
    postgres = figures["postgres"]
    # The database went away, and while it was away every failure was a 503 with Retry-After
    # (a failure without it would be counted as "503 no Retry-After").
    assert set(postgres["failed_in_window"]) == {"503"}, postgres["failed_in_window"]
    # Each worker came back by itself: gunicorn's 3 workers are the same processes after, and
    # each that had served before (one may have had no request yet) served again within 10 s.
    workers = postgres["gunicorn_workers"]
    assert len(workers["before"]) == 3 and workers["after"] == workers["before"]
    assert postgres["workers_before"] and set(postgres["workers_after"]) <= set(workers["before"])
    assert all(s is not None and s <= 10 for s in postgres["recovery_seconds"].values())

    redis = figures["redis"]
    assert redis["page_views_in_window"] > 0
    assert (redis["failed_page_views"], redis["failed_api_answers"]) == (0, 0)
    assert redis["cache_unreachable_warnings"] >= 1  # the pages were rendered uncached
    assert redis["login_while_down"] is True
    # Pages were cached before the kill, and are again in the new, empty redis-server.
    assert redis["before_kill"]["keys"] > 0
    assert redis["at_end"]["keys"] > 0 and redis["at_end"]["hits"] > 0
