"""The test suite's settings: the site's own, read from a fixed environment.

Whatever the developer's shell or .env hold, the tests see the same settings. Only DATABASE_URL
and CACHE_URL come from outside, to run the suite on PostgreSQL and Redis as CI does.
"""

import os
import tempfile

import environ

FROM_OUTSIDE = ("DATABASE_URL", "CACHE_URL")
ENVIRONMENT = {
    "ENV_FILE": "",  # no .env file
    "SECRET_KEY": "tests-only-not-secret",
    **{name: os.environ[name] for name in FROM_OUTSIDE if name in os.environ},
}

# guide/settings.py reads every value through django-environ, which reads Env.ENVIRON.
_outside, environ.Env.ENVIRON = environ.Env.ENVIRON, ENVIRONMENT
try:
    from guide.settings import *  # noqa: F403
    from guide.settings import DATABASES
finally:
    environ.Env.ENVIRON = _outside

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: tests that run a second process (an import, a shell, a server)
    # share the test database with it.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"places-guide-tests-{os.getpid()}.sqlite3")
    }
