"""PostgreSQL restarted and Redis killed under load: what the visitors saw (issue #10, items 2, 3).

Run from the repository root (needs nginx: `make nginx`; PostgreSQL's server programs and
redis-server, from Debian's packages):

    .venv/bin/python bench/faults.py                         # both faults, figures printed
    .venv/bin/python bench/faults.py --faults postgres --pg-down 10 --json report.json

It makes everything it runs on, in a folder of its own (--dir, a new one by default), and
removes it all at the end, on failure or Ctrl-C too (bench/servers.py): a PostgreSQL cluster
and a redis-server, each on a free loopback port, and the serving stack (deploy/stack start
--demo: nginx, gunicorn with --workers processes) on them. `--clean DIR` stops and removes
what a run left in DIR.

A few threads send a steady load (--rate requests/s in all, kept-alive connections) over place
pages, nearby pages, search, the places list, the home page and API answers; each request is
logged with its start, end, status, whether the body is the real page, and the worker that
answered it (gunicorn's access log, given the pid and the request's X-Request-Id for this run,
with --max-requests 0 so that a worker is replaced only by a fault). After --warm seconds:

2. PostgreSQL is stopped (pg_ctl stop -m fast), left down --pg-down seconds and started again.
   Errors are allowed only in the fault window (from the stop to the server's return); each
   worker that served before the stop must serve again within --recovery seconds of the return,
   as the same process (CONN_HEALTH_CHECKS reconnects it). The load goes on until each has
   (at least --settle, at most --after seconds).
3. Redis is killed (SIGKILL), left down --redis-down seconds and started again (empty). No
   request may fail (pages are rendered uncached), an admin login (the form, with its CSRF
   token) must work during the outage, and after Redis returns the pages must be cached again:
   keys in Redis and cache hits (INFO keyspace_hits) after its return.

Prints figures per fault; exits 1 on any violation. Durations are options (--help).
"""

import argparse
import json
import os
import re
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench")]
from servers import Cluster, Redis, clean, free_port, python, run, stack  # noqa: E402
from visitors import HTML_KINDS, Load, log_in, url_mix  # noqa: E402

DATABASE = "guide_faults"
ADMIN = "fault-admin"
# gunicorn's access log for this run: who answered which request (grep-able in gunicorn.log).
ACCESS_FORMAT = "access pid=%(p)s request=%({x-request-id}i)s status=%(s)s"
ACCESS_LINE = re.compile(r"^access pid=<(\d+)> request=(\d+) status=(\d+)", re.M)


def overlaps(record, window):
    return record["start"] < window[1] and record["end"] > window[0]


def timing(records):
    """Median and slowest time of these requests, in milliseconds."""
    times = sorted(r["end"] - r["start"] for r in records) or [0]
    return {"median_ms": round(1000 * times[len(times) // 2]), "max_ms": round(1000 * times[-1])}


def served_by(workers_log):
    """{request: the pid of the worker that answered it}, from gunicorn's access log."""
    return {int(r): int(p) for p, r, _ in ACCESS_LINE.findall(workers_log)}


def gunicorn_workers(folder):
    """The pids of the stack's gunicorn workers now: its master's children."""
    master = json.loads((folder / "stack" / "stack.json").read_text())["gunicorn"]
    return sorted(
        int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()
    )


def restart_postgres(cluster, load, log, args, processes):
    """Stop, wait, start; then go on until every worker that served before has served again
    (and --settle seconds have passed), or --after seconds. `processes` gets gunicorn's
    workers before the stop and after."""
    processes["before"] = gunicorn_workers(log.parent.parent)
    down = time.monotonic()
    cluster.stop()
    time.sleep(args.pg_down)
    cluster.start()
    up = time.monotonic()
    while time.monotonic() < up + args.after:
        time.sleep(0.5)
        worker = served_by(log.read_text(errors="replace"))
        before = {worker.get(r["request"]) for r in load.records if r["end"] < down}
        back = {worker.get(r["request"]) for r in load.records if r["ok"] and r["start"] > up}
        if before - {None} <= back and time.monotonic() > up + args.settle:
            break
    processes["after"] = gunicorn_workers(log.parent.parent)
    return down, up


def kill_redis(redis, load, args, password):
    """Kill, log in meanwhile, start again (empty); the login's time beside one just before."""
    base = load.base.geturl().rstrip("/")
    started = time.monotonic()
    login_before = log_in(base, ADMIN, password) and time.monotonic() - started
    before = redis.figures()
    down = time.monotonic()
    redis.kill()
    login = log_in(base, ADMIN, password)
    login_seconds = time.monotonic() - down
    time.sleep(max(0.0, args.redis_down - (time.monotonic() - down)))
    redis.start()
    up = time.monotonic()
    returned = redis.figures()
    time.sleep(args.after_redis)
    figures = {
        "login_while_down": login,
        "login_seconds": round(login_seconds, 2),
        "login_before_seconds": round(login_before, 2),
        "before_kill": before,
        "at_return": returned,
        "at_end": redis.figures(),
    }
    return down, up, figures


def analyse(load, windows, workers_log, redis_figures, args, processes):
    """Figures and verdicts from the records, per fault."""
    records, t0 = load.records, load.started
    worker_of = served_by(workers_log)
    for record in records:
        record["worker"] = worker_of.get(record["request"])
    report = {"requests": len(records), "seconds": round(max(r["end"] for r in records) - t0, 1)}
    report["failed"] = sum(not r["ok"] for r in records)
    verdicts = []
    pg = windows.get("postgres")
    outside = [r for r in records if not r["ok"] and not (pg and overlaps(r, pg))]
    report["failed_outside_windows"] = len(outside)
    report["examples_outside"] = [
        {k: r[k] for k in ("path", "status", "note")} for r in outside[:5]
    ]
    verdicts.append(("0 failed requests outside the PostgreSQL window", not outside))
    first = min(window[0] for window in windows.values()) if windows else float("inf")
    report["before_faults"] = timing([r for r in records if r["end"] < first])
    if pg:
        inside = [r for r in records if overlaps(r, pg)]
        served = [r for r in records if r["worker"] and r["end"] < pg[0]]
        before = sorted({r["worker"] for r in served})
        after = sorted({r["worker"] for r in records if r["worker"] and r["start"] >= pg[1]})
        # A worker serves again from its first answer after the return that no failure of its
        # follows: the time from the return to its last failure (0 if none), if it answered
        # after it. (The first answer alone would count the time until a request happened to
        # reach it.)
        recovery = {}
        for worker in before:
            since = [r for r in records if r["worker"] == worker and r["start"] >= pg[1]]
            last_failure = max((r["end"] - pg[1] for r in since if not r["ok"]), default=0.0)
            answered = any(r["ok"] and r["end"] - pg[1] >= last_failure for r in since)
            recovery[worker] = round(last_failure, 2) if answered else None
        statuses = Counter(
            " ".join(str(part) for part in (r["status"], r["note"]) if part)
            for r in inside
            if not r["ok"]
        )
        report["postgres"] = {
            "window": [round(pg[0] - t0, 2), round(pg[1] - t0, 2)],
            "down_seconds": round(pg[1] - pg[0], 2),
            "requests_in_window": len(inside),
            "answered_in_window": sum(r["ok"] for r in inside),
            "failed_in_window": dict(statuses),
            "workers_before": before,
            "workers_after": after,
            "gunicorn_workers": processes,
            "recovery_seconds": {str(w): s for w, s in recovery.items()},
        }
        verdicts.append(("the database really went away (failures in its window)", statuses))
        verdicts.append(("no 500 in the window: pages and API say 503", "500" not in statuses))
        # Not replaced: gunicorn's workers are the same processes, and only they served (a
        # worker may have had no request before the stop, only after).
        same = processes["before"] == processes["after"] and set(before + after) <= set(
            processes["before"]
        )
        verdicts.append(("the same workers serve after the restart", before and same))
        verdicts.append(
            (
                f"every worker serves again within {args.recovery:g} s of the database's return",
                all(s is not None and s <= args.recovery for s in recovery.values()),
            )
        )
    if "redis" in windows:
        window = windows["redis"]
        inside = [r for r in records if overlaps(r, window)]
        pages = [r for r in inside if r["kind"] in HTML_KINDS]
        report["redis"] = {
            "window": [round(window[0] - t0, 2), round(window[1] - t0, 2)],
            "page_views_in_window": len(pages),
            "failed_page_views": sum(not r["ok"] for r in pages),
            "page_views_timing": timing(pages),
            "api_answers_in_window": len(inside) - len(pages),
            "failed_api_answers": sum(not r["ok"] for r in inside if r not in pages),
            "cache_unreachable_warnings": workers_log.count("The page cache is unreachable"),
            "cache_back_notices": workers_log.count("The page cache answers again"),
            **redis_figures,
        }
        verdicts.append(("page views during the Redis outage", pages))
        verdicts.append(
            ("0 failed page views while Redis is down", not any(not r["ok"] for r in pages))
        )
        verdicts.append(
            ("an admin login works while Redis is down", redis_figures["login_while_down"])
        )
        end = redis_figures["at_end"]
        verdicts.append(
            ("pages cached again after Redis returns (keys and hits)", end["keys"] and end["hits"])
        )
    report["verdicts"] = {name: bool(passed) for name, passed in verdicts}
    return report


def print_report(report):
    print(
        f"{report['requests']} requests in {report['seconds']} s, {report['failed']} failed, "
        f"{report['failed_outside_windows']} outside the fault windows"
    )
    for example in report["examples_outside"]:
        print("   outside:", example)
    print(f"before the faults: {report['before_faults']}")
    if "postgres" in report:
        pg = report["postgres"]
        print(
            f"\n2. PostgreSQL restarted: down {pg['window'][0]} s → up {pg['window'][1]} s "
            f"({pg['down_seconds']} s); {pg['requests_in_window']} requests in the window, "
            f"{pg['answered_in_window']} answered, failed by status: {pg['failed_in_window']}"
        )
        print(f"   workers before {pg['workers_before']}, after {pg['workers_after']}")
        print(f"   gunicorn's workers before the stop and after: {pg['gunicorn_workers']}")
        for worker, seconds in pg["recovery_seconds"].items():
            print(
                f"   worker {worker}: serves again {seconds} s after the database's return "
                "(its last failure; 0: none)"
            )
    if "redis" in report:
        rd = report["redis"]
        print(
            f"\n3. Redis killed: down {rd['window'][0]} s → up {rd['window'][1]} s; "
            f"{rd['page_views_in_window']} page views in the window, {rd['failed_page_views']} "
            f"failed; {rd['api_answers_in_window']} API answers, {rd['failed_api_answers']} failed"
        )
        print(f"   page views in the window: {rd['page_views_timing']}")
        print(
            f"   admin login while down: {rd['login_while_down']} ({rd['login_seconds']} s; "
            f"{rd['login_before_seconds']} s just before the kill); "
            f"page cache warnings: {rd['cache_unreachable_warnings']} unreachable, "
            f"{rd['cache_back_notices']} back"
        )
        for moment in ("before_kill", "at_return", "at_end"):
            print(
                f"   Redis {moment.replace('_', ' ')}: {rd[moment]['keys']} keys, "
                f"{rd[moment]['hits']} cache hits since it started"
            )
    print()
    for name, passed in report["verdicts"].items():
        print(f"{'ok  ' if passed else 'FAIL'} {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default="postgres,redis", help="which, in this order")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="the load's client threads")
    parser.add_argument("--rate", type=float, default=60, help="requests/s in all, at most")
    parser.add_argument("--warm", type=float, default=5, help="seconds of load before a fault")
    parser.add_argument("--pg-down", type=float, default=3, help="seconds PostgreSQL stays down")
    parser.add_argument("--after", type=float, default=12, help="most load after PostgreSQL")
    parser.add_argument("--settle", type=float, default=3, help="least load after PostgreSQL")
    parser.add_argument("--redis-down", type=float, default=4, help="seconds Redis stays down")
    parser.add_argument("--after-redis", type=float, default=5, help="load after Redis is back")
    parser.add_argument("--recovery", type=float, default=10, help="bound on a worker's return")
    parser.add_argument("--dir", help="a new folder for everything this run starts")
    parser.add_argument("--json", help="write the figures and verdicts to this file")
    parser.add_argument("--clean", metavar="DIR", help="stop and remove what a run left in DIR")
    args = parser.parse_args()
    if args.clean:
        return clean(args.clean)
    faults = args.faults.split(",")
    assert set(faults) <= {"postgres", "redis"}, args.faults
    folder = Path(args.dir or tempfile.mkdtemp(prefix="faults-"))
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # nginx's workers (nobody) and PostgreSQL (postgres) work under it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("faults: stopped"))
    try:
        return measure(folder, faults, args)
    finally:
        clean(folder)


def measure(folder, faults, args):
    started = time.monotonic()
    cluster, redis = Cluster(folder, free_port(), DATABASE), Redis(folder, free_port())
    cluster.create()
    redis.start()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "ENV_FILE": "",
        "DATABASE_URL": cluster.url(),
        "CACHE_URL": f"redis://127.0.0.1:{redis.port}/0",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_CMD_ARGS": f"--access-logformat '{ACCESS_FORMAT}' --max-requests 0",
    }
    stack("start", "--demo", folder=folder, env=env | {"SECRET_KEY": secrets.token_urlsafe(40)})
    base = json.loads((folder / "stack" / "stack.json").read_text())["url"].rstrip("/")
    password = secrets.token_urlsafe(16)
    superuser = ["createsuperuser", "--noinput", "--username", ADMIN, "--email", "a@example.org"]
    run(
        [python(), ROOT / "manage.py", *superuser],
        cwd=ROOT,
        env=env | {"DJANGO_SUPERUSER_PASSWORD": password, "SECRET_KEY": "faults"},
    )
    assert log_in(base, ADMIN, password), "the admin login does not work before any fault"
    load = Load(base, url_mix(base), args.threads, args.rate)
    print(
        f"PostgreSQL, Redis and the stack with the demo ready in {time.monotonic() - started:.1f} s"
    )
    windows, redis_figures, log = {}, {}, folder / "stack" / "gunicorn.log"
    processes = {}
    load.start()
    try:
        for fault in faults:
            time.sleep(args.warm)
            if fault == "postgres":
                windows["postgres"] = restart_postgres(cluster, load, log, args, processes)
            else:
                *windows["redis"], redis_figures = kill_redis(redis, load, args, password)
    finally:
        load.stop()
    time.sleep(0.5)  # the access log's last lines
    workers_log = log.read_text(errors="replace")
    report = analyse(load, windows, workers_log, redis_figures, args, processes)
    print_report(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0 if all(report["verdicts"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
