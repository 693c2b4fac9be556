"""Servers of its own for a reliability run (bench/faults.py): a PostgreSQL cluster and a
redis-server on free loopback ports in a folder of the run's, the serving stack on them
(deploy/stack), and clean(), which stops them all from what the folder holds.

PostgreSQL's server programs come from Debian's package (PG_BIN); initdb and pg_ctl refuse to
run as root, so as root they run as the `postgres` user, which the package creates.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
# Debian's server programs, of the newest major version installed (15 on Debian 12).
PG_BIN = max(
    Path("/usr/lib/postgresql").glob("*/bin/initdb"),
    key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0,
    default=Path("/usr/lib/postgresql/15/bin/initdb"),
).parent


def python():
    return sys.executable if sys.prefix != sys.base_prefix else str(ROOT / ".venv" / "bin/python")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(command):
    """initdb and pg_ctl refuse root: run them as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    """A PostgreSQL cluster of its own, in folder/pg, on a loopback port."""

    def __init__(self, folder, port, database):
        self.home, self.port, self.database = folder / "pg", port, database
        self.data = self.home / "data"

    def create(self):
        self.home.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres", "postgres")
        initdb = [PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        run(as_postgres([*initdb, "--no-sync"]))
        settings = f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
        settings += f"unix_socket_directories = '{self.home}'\nfsync = off\n"
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(settings)
        self.start()
        where = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        run([PG_BIN / "createdb", *where, self.database])

    def start(self):
        run(
            as_postgres(
                [PG_BIN / "pg_ctl", "-D", self.data, "-l", self.home / "log", "-w", "start"]
            )
        )

    def stop(self, mode="fast"):
        run(as_postgres([PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"]))

    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"


class Redis:
    """A redis-server of its own, keeping nothing on disk, so that it returns empty."""

    def __init__(self, folder, port):
        self.folder, self.port, self.process = folder, port, None

    def start(self):
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        command += ["--appendonly", "no", "--dir", str(self.folder)]
        command += ["--pidfile", str(self.folder / "redis.pid")]
        (self.folder / "redis.port").write_text(str(self.port))
        with open(self.folder / "redis.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                return self.ask("ping")
            except redis.ConnectionError:
                assert self.process.poll() is None, "redis-server stopped; see redis.log"
                time.sleep(0.02)
        raise TimeoutError("redis-server does not answer")

    def kill(self):
        self.process.kill()
        self.process.wait()

    def ask(self, command):
        return getattr(redis.Redis(port=self.port, socket_timeout=5), command)()

    def figures(self):
        return {"keys": self.ask("dbsize"), "hits": self.ask("info")["keyspace_hits"]}


def run(command, **kwargs):
    done = subprocess.run([str(part) for part in command], capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise SystemExit(f"{Path(command[0]).name} failed ({done.returncode}):\n{done.stderr}")


def stack(*command, folder, env=None):
    run([python(), ROOT / "deploy" / "stack", *command, "--dir", folder / "stack"], env=env)


def clean(folder):
    """Stop what a run started in folder (its stack, cluster, redis-server) and remove it; every
    step is tried, whatever the others do."""
    folder = Path(folder)
    problems = []
    for step in (_stop_stack, _stop_cluster, _kill_redis):
        try:
            step(folder)
        except (Exception, SystemExit) as problem:  # noqa: BLE001 - said below, after the rest
            problems.append(f"{step.__name__}: {problem}")
    shutil.rmtree(folder, ignore_errors=True)
    if problems:
        raise SystemExit("clean: " + "; ".join(problems))


def _stop_stack(folder):
    if (folder / "stack" / "stack.json").exists():
        stack("stop", folder=folder)


def _stop_cluster(folder):
    if (folder / "pg" / "data" / "postmaster.pid").exists():
        Cluster(folder, 0, "").stop("immediate")


def _kill_redis(folder):
    if not (folder / "redis.pid").exists():
        return
    pid, port = int((folder / "redis.pid").read_text()), (folder / "redis.port").read_text()
    try:  # only ours: its pid may have gone to another process since it was killed
        title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
        if title == f"redis-server 127.0.0.1:{port}":
            os.kill(pid, signal.SIGKILL)
    except (FileNotFoundError, ProcessLookupError):
        pass
