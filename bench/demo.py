"""How long `load_demo` takes: into an empty database (29 places, their texts, 11 illustrations
drawn and prepared), then again (nothing to draw), then again after the media folder is lost
(every illustration drawn again). Prints figures.

Not a test. Run from the repository root:
    .venv/bin/python bench/demo.py [--runs 3]
Each load runs `manage.py load_demo` in a process of its own, as a developer runs it, on a
throwaway SQLite database and media folder; the figures are wall-clock and CPU seconds of
that process (starting Django included).
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(environment, *args) -> tuple[float, float, str]:
    """Run manage.py; return its wall-clock seconds, CPU seconds and output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (done.stdout.splitlines() or [""])[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    figures = {"empty database": [], "again": [], "media lost": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(runs):
            database, media = Path(folder, "demo.sqlite3"), Path(folder, "media")
            database.unlink(missing_ok=True)
            shutil.rmtree(media, ignore_errors=True)
            environment = {
                **os.environ,
                "ENV_FILE": "",
                "DEBUG": "false",
                "SECRET_KEY": "bench-only",
                "DATABASE_URL": f"sqlite:///{database}",
                "MEDIA_ROOT": str(media),
            }
            manage(environment, "migrate", "--verbosity", "0")
            for case in ("empty database", "again", "media lost"):
                if case == "media lost":
                    shutil.rmtree(media)
                wall, cpu, said = manage(environment, "load_demo")
                figures[case].append((wall, cpu))
                print(f"{case:<15} {wall:5.2f} s wall  {cpu:5.2f} s CPU  {said}", flush=True)
            files = sum(1 for path in media.rglob("*") if path.is_file())
            size = sum(path.stat().st_size for path in media.rglob("*") if path.is_file())
            print(f"media: {files} files, {size / 1e6:.1f} MB", flush=True)
    print("median of the runs:")
    for case, values in figures.items():
        walls, cpus = sorted(w for w, _ in values), sorted(c for _, c in values)
        middle = len(values) // 2
        print(f"  {case:<15} {walls[middle]:5.2f} s wall  {cpus[middle]:5.2f} s CPU")


if __name__ == "__main__":
    main()
