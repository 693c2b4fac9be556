"""gunicorn's configuration (`gunicorn -c python:guide.gunicorn guide.wsgi`), from the environment.

It reads the same environment and .env file as guide/settings.py, and tries those settings
in another process before any worker starts: a missing SECRET_KEY then stops gunicorn with one
line, where each worker would fail with a traceback. (Not in this process: workers forked from
it would keep those settings through `systemctl reload`, which must pick up a release's.)
"""

import os
import subprocess
import sys
from pathlib import Path

import environ


class Environment(environ.Env):
    # The .env file's values stay out of os.environ: the workers' settings read the file again
    # after `systemctl reload`, where values the master had put there would win.
    ENVIRON = dict(os.environ)


env = Environment()
ENV_FILE = env.str("ENV_FILE", default=str(Path(__file__).resolve().parent.parent / ".env"))
if ENV_FILE:
    env.read_env(ENV_FILE)

# Where nginx sends requests: a loopback port, or unix:/run/guide/gunicorn.sock.
bind = env.str("GUNICORN_BIND", default="127.0.0.1:8000")
# Worker processes, two or three per core (WEB_CONCURRENCY is the name platforms and gunicorn
# itself use), each with threads (gthread; nginx buffers slow clients for them): a request
# that waits for a database lock (on SQLite, a save while an import writes, up to
# SQLITE_TIMEOUT) holds up its thread only, not the pages its worker serves meanwhile
# (docs/reliability.md, item 5).
workers = env.int("WEB_CONCURRENCY", default=3)
threads = env.int("GUNICORN_THREADS", default=4)
# A worker silent for longer than this (its main loop stuck) is killed and replaced.
timeout = env.int("GUNICORN_TIMEOUT", default=30)
# Workers are replaced now and then (staggered), which bounds whatever memory a process leaks.
max_requests = 2000
max_requests_jitter = 200
# One line per request on stdout (journald under systemd); errors on stderr.
accesslog = "-"
# gunicorn 27's control socket sits in the home folder, shared by every gunicorn of a user,
# so two sites (or two stacks) would take each other's; nothing here uses it.
control_socket_disable = True

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide.settings")
TRY_SETTINGS = """
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
try:
    settings.DEBUG  # reading one setting loads them all
except ImproperlyConfigured as error:
    raise SystemExit(f"gunicorn: {error}")
"""
tried = subprocess.run(
    [sys.executable, "-c", TRY_SETTINGS],
    cwd=Path(__file__).resolve().parent.parent,
    capture_output=True,
    text=True,
)
if tried.returncode:
    sys.exit(tried.stderr.strip())
