"""The embedded default database: a SQLite file tuned for a handful of concurrent users.

Without these options two people working at once (a login while an import is written, two token
requests) got 500 "database is locked":

- WAL journal: readers never wait for the writer and the writer never waits for readers;
  synchronous=NORMAL is the safe pairing with WAL (a power cut may lose the last commit, never
  corrupt the file).
- busy timeout (``timeout``, seconds): a writer that finds the write lock taken waits for it
  instead of failing at once.
- IMMEDIATE transactions: every ``atomic()`` block takes the write lock when it starts. With the
  default DEFERRED mode a transaction that first reads and then writes has to *upgrade* its lock,
  and SQLite answers an upgrade that would have to wait with SQLITE_BUSY at once, whatever the
  busy timeout (the wait could deadlock) - the "database is locked" seen under load.
"""

SQLITE_BUSY_TIMEOUT_SECONDS = 20

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
)


def sqlite_database(name: str) -> dict:
    """``DATABASES["default"]`` for the SQLite file ``name``."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {
            "init_command": "; ".join(SQLITE_PRAGMAS),
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        },
    }
