"""What every bench script sets before Django starts: production-like settings (DEBUG off: no
query log, cached templates, local-memory cache) on the bench's own database."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# DEBUG off as in production: no query log (Django's debug cursor times and keeps every query, a
# cost a row-by-row import pays tens of thousands of times).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-" + "x" * 50,
    "ALLOWED_HOSTS": "testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
}


def production_django(db_path: Path, database_url: str = "") -> None:
    """Set up Django on ``db_path`` (SQLite) or ``database_url`` (PostgreSQL), no Redis, no broker."""
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_EAGER"):
        os.environ.pop(name, None)
    os.environ.update({**PRODUCTION_ENV, "SQLITE_PATH": str(db_path)})
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: collectstatic not run
    django.setup()
