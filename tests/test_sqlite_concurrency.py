"""The embedded SQLite default under concurrent use: no "database is locked" (issue #14).

The load runs in a child process (tests/sqlite_load.py) with the real settings on a fresh SQLite
*file* - the test database of this suite lives in memory and never takes SQLite's file locks.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from config.sqlite import sqlite_database

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
ROWS = 4000


def test_sqlite_default_is_wal_with_a_busy_timeout_and_immediate_transactions(tmp_path):
    import sqlite3

    options = sqlite_database(str(tmp_path / "x.sqlite3"))["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    for pragma in options["init_command"].split(";"):
        conn.execute(pragma)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_concurrent_logins_and_token_requests_during_an_import_apply_never_fail(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_EAGER", "DEBUG"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEMO": "1",
        "SECRET_KEY": "load-test-" + "x" * 50,
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "tests.sqlite_load",
            "--db",
            str(tmp_path / "load.sqlite3"),
            "--threads",
            str(THREADS),
            "--rows",
            str(ROWS),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["errors"] == []
    assert report["batch_status"] == "applied"
    assert report["people"] == ROWS
    # Every client thread logged in and fetched a token at least three times, and the requests
    # really ran while the import was being written (not just before or after it).
    statuses = report["statuses"]
    assert statuses["POST /imports/apply/ 302"] == 1
    assert statuses["POST /login/ 302"] >= 3 * THREADS + 1
    assert statuses["POST /api/v1/auth/token/ 200"] >= 3 * THREADS
    assert set(statuses) == {"GET /login/ 200", "POST /login/ 302", "POST /api/v1/auth/token/ 200", "POST /imports/apply/ 302"}
    assert report["requests_during_apply"] >= THREADS
