"""Reliability battery, item 5: SQLite under writers. An import of 200,000 places while
contributors save through the admin and visitors read, through gunicorn on a SQLite file of
its own (bench/sqlite_writers.py, whatever the suite's database): no "database is locked",
no 5xx, no failed save, and nothing lost."""

import subprocess
import sys

import pytest

from tests.processes import ROOT, bare_environment

pytestmark = pytest.mark.battery


def test_an_import_of_200000_places_loses_nothing_and_locks_nobody_out():
    run = subprocess.run(
        [sys.executable, "bench/sqlite_writers.py", "--places", "200000"],
        cwd=ROOT,
        env=bare_environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    # The script checks everything after the run and prints each error it found.
    assert run.returncode == 0, run.stdout + run.stderr
    assert "errors: 0 ('database is locked': 0)" in run.stdout, run.stdout
