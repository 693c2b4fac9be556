"""The load run (docs/reliability.md, "1. Load"): wrk against the serving stack on a PostgreSQL
database of 100,000 places; prints requests/s, latency and lost requests, and exits 1 if any
request was lost.

Run from the repository root, after `make install nginx wrk`:

    .venv/bin/python bench/load.py                        # 100,000 places, 20 s a phase
    .venv/bin/python bench/load.py --seconds 60 --workers 4 --keep

The database (--database; by default <DATABASE_URL's database, or guide>_load_<places>), on
DATABASE_URL's server (PostgreSQL at 127.0.0.1:5432 by default), is filled as an operator fills
one: the places of bench/search.py (names as guides name places, around the GeoNames towns)
written to a CSV file and read by `import_places`. It is dropped at the end, unless --keep,
which also reuses one already complete. deploy/stack starts gunicorn (--workers) behind nginx in a
temporary folder, with the page cache on CACHE_URL (Redis at 127.0.0.1:6379/0 by default) under
a key prefix of its own, removed at the end.

The requests, each drawn at random from --urls paths of published places (wrk, bench/load.lua):
place pages 35%, their nearby pages 10%, search pages 10%, and the API's places 20%, nearby
15% and search suggestions 10%. Every path is first asked for twice: so that Django's page
cache holds it (Redis), then nginx's. Then three phases of --seconds each, with the same
connections:
  (a) the framework's floor: /healthz, a plain "ok" from Django (no database, no session,
      never cached) through nginx and gunicorn;
  (b) the mix with nginx's cache passed by: each request says `Cache-Control: no-cache`, so
      nginx hands it to gunicorn, where Django answers from its page cache in Redis (one cache
      read and one query of the pages' versions);
  (c) the mix with nginx's cache warm: nginx answers from its copy (HIT), and asks Django
      again with the page's ETag once PLACES_SHARED_CACHE_SECONDS (60) are over (REVALIDATED).
A request is lost when wrk reports a socket error (connect, read, write, timeout) or the answer
is not 2xx or 3xx; the paths' warm-up counts too.
"""

import argparse
import csv
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg
from search import generated_places

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "deploy" / "stack"
SCRIPT = ROOT / "bench" / "load.lua"
# Shares of the mix, by kind of request.
MIX = [
    ("place page", 35),
    ("nearby page", 10),
    ("search page", 10),
    ("API place", 20),
    ("API nearby", 15),
    ("API search", 10),
]
PHASES = [
    ("floor", "framework floor: /healthz"),
    ("django", "mix, nginx cache passed by: Django's page cache (Redis)"),
    ("nginx", "mix, nginx cache warm"),
]


def say(line=""):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def server_query(url, statement, parameters=()):
    """One statement in the `postgres` database of url's server, outside a transaction."""
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        cursor = connection.execute(statement, parameters)
        return cursor.fetchall() if cursor.description else []


def database_exists(url, name):
    return bool(server_query(url, "SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def complete(url, places):
    """Whether the database holds the `places` generated places (an import commits at once)."""
    try:
        with psycopg.connect(url) as connection:
            query = "SELECT count(*) FROM places_place WHERE external_id LIKE 'bench:%%'"
            return connection.execute(query).fetchone()[0] == places
    except psycopg.errors.UndefinedTable:
        return False


def django_environment(database, cache):
    return {
        "PATH": os.environ.get("PATH", ""),
        "ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "guide.settings",
        "SECRET_KEY": "load-run-only",
        "DATABASE_URL": database,
        "CACHE_URL": cache,
    }


def start_import(env, places, folder):
    """Write the places' CSV file and start `import_places` on it: the running process."""
    path = folder / "places.csv"
    rows = generated_places(places)
    first = next(rows)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(first))
        writer.writeheader()
        writer.writerow(first)
        writer.writerows(rows)
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_places", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # its progress bar
        stderr=subprocess.PIPE,
        text=True,
    )


def mix_paths(url, count, seed=1):
    """`count` paths in MIX's shares, drawn from the database's published places."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT slug, name, latitude, longitude FROM places_place"
            " WHERE status = 'published' ORDER BY id"
        ).fetchall()
    rng = random.Random(seed)

    def search_text(name):
        # What a visitor types: the whole name, or its first word or letters.
        words = name.split()
        return rng.choice([name, words[0], name[: rng.randint(3, 8)]])

    paths = []
    for kind, share in MIX:
        for slug, name, latitude, longitude in rng.sample(rows, count * share // 100 or 1):
            paths.append(
                {
                    "place page": f"/places/{slug}/",
                    "nearby page": f"/places/{slug}/nearby/",
                    "search page": "/search/?" + urlencode({"q": search_text(name)}),
                    "API place": f"/api/places/{quote(slug)}/",
                    "API nearby": f"/api/nearby/?lat={latitude}&lon={longitude}",
                    "API search": "/api/search/?" + urlencode({"q": search_text(name), "limit": 8}),
                }[kind]
            )
    return paths


def warm(base, paths, workers):
    """Ask for each path as Django's page cache should hold it, then as nginx's should: the
    paths that did not answer 200."""

    def ask(path, headers):
        request = urllib.request.Request(base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                response.read()
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError as error:
            return str(error)

    failed = []
    with ThreadPoolExecutor(max_workers=2 * workers) as pool:
        for headers in ({"Cache-Control": "no-cache"}, {}):
            answers = zip(paths, pool.map(ask, paths, [headers] * len(paths)), strict=True)
            failed += [(path, status) for path, status in answers if status != 200]
    return failed


def run_wrk(url, paths_file, seconds, connections, reload=False):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", str(SCRIPT), url, "--", str(paths_file)] + (["reload"] if reload else [])
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode:
        raise SystemExit(f"load: wrk failed ({out.returncode}): {out.stderr or out.stdout}")
    line = next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    bad = sum(n for status, n in result["statuses"].items() if not 200 <= int(status) < 400)
    sockets = sum(result[kind] for kind in ("connect", "read", "write", "timeout"))
    result["lost"] = bad + sockets
    result["rps"] = result["requests"] / result["seconds"]
    return result


def forget_cache(cache_url):
    """Remove the run's pages from Redis (django-redis keys: <prefix>:<version>:<key>)."""
    import redis

    parts = urlsplit(cache_url)
    query = dict(parse_qsl(parts.query))
    prefix = query.pop("key_prefix")
    client = redis.Redis.from_url(urlunsplit(parts._replace(query=urlencode(query))))
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100_000, help="places in the database")
    parser.add_argument("--seconds", type=int, default=20, help="length of each phase")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2 to 4)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    parser.add_argument("--urls", type=int, default=1000, help="distinct paths in the mix")
    parser.add_argument("--keep", action="store_true", help="reuse the database, and keep it")
    parser.add_argument("--database", help="its name (default: <DATABASE_URL's>_load_<places>)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("load: wrk is missing: `make wrk` installs Debian's")

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/guide"
    parts = urlsplit(base)
    name = args.database or f"{parts.path.strip('/') or 'guide'}_load_{args.places}"
    if not re.fullmatch(r"\w+", name, re.ASCII):
        raise SystemExit(f"load: a database name of letters, digits and _, not {name!r}")
    database = urlunsplit(parts._replace(path=f"/{name}"))
    cache = os.environ.get("CACHE_URL", "")
    if not cache.startswith("redis"):
        cache = "redis://127.0.0.1:6379/0"
    cache += ("&" if "?" in cache else "?") + f"key_prefix=load-{secrets.token_hex(4)}"
    env = django_environment(database, cache)
    folder = Path(tempfile.mkdtemp(prefix="load-"))
    folder.chmod(0o755)  # nginx's workers (nobody, under root) pass through it
    stack = folder / "stack"
    started = importing = None
    try:
        clock = time.perf_counter()
        if not (args.keep and database_exists(base, name) and complete(database, args.places)):
            server_query(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server_query(base, f'CREATE DATABASE "{name}"')
            migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
            subprocess.run(migrate, cwd=ROOT, env=env, check=True)
            # The stack starts while the places are imported: both take a while.
            importing = start_import(env, args.places, folder)
        stack_env = {**env, "WEB_CONCURRENCY": str(args.workers)}
        stack_env.pop("SECRET_KEY")  # the stack makes one up
        stack_env.pop("DJANGO_SETTINGS_MODULE")
        out = subprocess.run(
            [sys.executable, STACK, "start", "--dir", stack],
            env=stack_env,
            capture_output=True,
            text=True,
        )
        if out.returncode:
            raise SystemExit(f"load: the stack did not start: {out.stdout}{out.stderr}")
        started = True
        url = out.stdout.strip().splitlines()[-1].rstrip("/")
        if importing:
            errors = importing.communicate()[1]
            if importing.returncode:
                raise SystemExit(f"load: the import failed: {errors}")
        prepared = time.perf_counter() - clock
        paths = mix_paths(database, args.urls)
        paths_file = folder / "paths.txt"
        paths_file.write_text("\n".join(paths) + "\n")
        (folder / "floor.txt").write_text("/healthz\n")

        how = "migrated and imported" if importing else "reused"
        say(f"PostgreSQL, {args.places:,} places, {how}, and the stack started: {prepared:.1f} s")
        say(f"{len(paths):,} paths: " + ", ".join(f"{kind} {share}%" for kind, share in MIX))
        say(
            f"gunicorn: {args.workers} workers behind nginx; wrk: 2 threads, "
            f"{args.connections} connections, {args.seconds} s a phase"
        )
        warming = time.perf_counter()
        failed = warm(url, paths, args.workers)
        say(f"warm-up: each path asked twice in {time.perf_counter() - warming:.1f} s")
        for path, status in failed[:10]:
            say(f"  lost in the warm-up: {path} -> {status}")

        results = {}
        for phase, _ in PHASES:
            file = folder / ("floor.txt" if phase == "floor" else "paths.txt")
            results[phase] = run_wrk(url, file, args.seconds, args.connections, phase == "django")
        floor = results["floor"]["rps"]
        columns = ("req/s", "/floor", "p50 ms", "p99 ms")
        say(f"{'':<56}" + "".join(f"{c:>8}" for c in columns) + f"{'requests':>10}{'lost':>6}")
        for phase, label in PHASES:
            r = results[phase]
            say(
                f"{label:<56}{r['rps']:>8,.0f}{r['rps'] / floor:>8.2f}{r['p50_ms']:>8.1f}"
                f"{r['p99_ms']:>8.1f}{r['requests']:>10,}{r['lost']:>6}"
            )
        for phase, _ in PHASES:
            r = results[phase]
            counts = ", ".join(f"{k} {v:,}" for k, v in sorted(r["statuses"].items()))
            errors = ", ".join(f"{k} {r[k]}" for k in ("connect", "read", "write", "timeout"))
            cache_counts = ", ".join(f"{k} {v:,}" for k, v in sorted(r["cache"].items()))
            say(f"  {phase}: statuses {counts}; socket errors {errors}; nginx {cache_counts}")
        lost = len(failed) + sum(r["lost"] for r in results.values())
        say(f"lost requests: {lost}")
        if args.json:
            figures = {"places": args.places, "workers": args.workers, "paths": len(paths)}
            figures.update(seconds=args.seconds, warm_up_lost=len(failed), lost=lost)
            args.json.write_text(json.dumps({**figures, "phases": results}, indent=1))
    finally:
        if importing and importing.poll() is None:
            importing.kill()
            importing.wait()
        if started:
            subprocess.run([sys.executable, STACK, "stop", "--dir", stack], env=env, check=True)
            forget_cache(cache)
        if not args.keep:
            server_query(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
