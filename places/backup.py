"""A whole site in one folder and back: the database (pg_dump, or SQLite's backup API) and the
photos (MEDIA_ROOT as a tar file). `manage.py backup` and `manage.py restore` (docs/deploy.md).

Unlike export_places, which writes places for another guide to import, this keeps everything:
accounts, groups, history, the review's state, sessions; restored, the site answers as it did.
The database is copied first, the photos second: a photo the copy names was on disk when the
photos were read, unless it was deleted in between (photos are written before the database
names them, under names never used again, and removed only once their deletion commits).
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections

POSTGRES_DUMP = "database.dump"  # pg_dump's custom format: pg_restore reads it
SQLITE_COPY = "database.sqlite3"
MEDIA = "media.tar.gz"


class BackupError(Exception):
    pass


def backup(folder: Path, database: str = "default") -> list[Path]:
    """Write the database and the photos into `folder` (made here; it must not exist or be
    empty); the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    db = connections[database]
    if db.vendor == "postgresql":
        written = folder / POSTGRES_DUMP
        run(["pg_dump", "--format=custom", f"--file={written}"], db)
    elif db.vendor == "sqlite":
        written = folder / SQLITE_COPY
        copy_sqlite(db.settings_dict["NAME"], written)
    else:
        raise BackupError(f"no backup for {db.vendor} databases")
    archive = folder / MEDIA
    with tarfile.open(archive, "w:gz") as tar:
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                tar.add(path, arcname=path.relative_to(media).as_posix(), recursive=False)
    return [written, archive]


def restore(folder: Path, database: str = "default") -> None:
    """Fill the empty database and the empty (or missing) MEDIA_ROOT from `folder`."""
    db = connections[database]
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(f"MEDIA_ROOT {media} is not empty: restore into an empty folder")
    with db.cursor() as cursor:
        tables = db.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"the database {db.settings_dict['NAME']} has tables ({len(tables)}): "
            "restore into an empty database"
        )
    if db.vendor == "postgresql":
        dump = existing(folder / POSTGRES_DUMP)
        db.close()  # pg_restore works in a session of its own
        # Without --dbname pg_restore would print SQL; the name alone, so that libpq's
        # variables (run) give the rest.
        name = db.settings_dict["NAME"]
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        run(["pg_restore", *options, f"--dbname={name}", str(dump)], db)
    elif db.vendor == "sqlite":
        copy = existing(folder / SQLITE_COPY)
        db.close()
        name = Path(db.settings_dict["NAME"])
        for stale in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
            stale.unlink(missing_ok=True)  # no tables: at most an empty file
        copy_sqlite(copy, name)
    else:
        raise BackupError(f"no restore for {db.vendor} databases")
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(existing(folder / MEDIA), "r:gz") as tar:
        unpack(tar, media)


def unpack(tar: tarfile.TarFile, folder: Path) -> None:
    """Only files and folders, and only inside `folder` (Python's "data" filter, or the same
    checks where Python predates it: Debian 12 ships 3.11.2)."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(folder, filter="data")
        return
    for member in tar.getmembers():
        inside = (folder / member.name).resolve().is_relative_to(folder.resolve())
        if not (member.isfile() or member.isdir()) or not inside:
            raise BackupError(f"{member.name} in the media archive: not a file of MEDIA_ROOT")
    tar.extractall(folder)


def copy_sqlite(source, target) -> None:
    """SQLite's online backup: a consistent copy while the site writes (WAL readers never
    block), written under another name first so that a failed copy leaves no file."""
    if not Path(source).is_file():
        raise BackupError(f"no SQLite database at {source}")
    partial = Path(f"{target}.partial")
    partial.unlink(missing_ok=True)
    origin, copy = sqlite3.connect(source), sqlite3.connect(partial)
    try:
        origin.backup(copy)  # all pages in one step, from one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")  # one file, whatever the source's mode
    finally:
        copy.close()
        origin.close()
    os.replace(partial, target)


def run(command, db) -> None:
    """A PostgreSQL client program on the database of `db`, with its settings as libpq's."""
    found = shutil.which(command[0])
    if not found:
        raise BackupError(f"{command[0]} is missing (Debian: apt-get install postgresql-client)")
    options = db.settings_dict
    env = {**os.environ, "PGDATABASE": options["NAME"]}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD")):  # fmt: skip
        if options.get(key):
            env[variable] = str(options[key])
    if options.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = options["OPTIONS"]["sslmode"]
    done = subprocess.run([found, *command[1:]], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def existing(path: Path) -> Path:
    if not path.is_file():
        raise BackupError(f"{path} is missing: not a folder `manage.py backup` wrote")
    return path
