"""What every bench script sets before Django starts: production-like settings (DEBUG off: no
query log, cached templates, local-memory cache) on the bench's own database."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_django(db_path: Path, database_url: str = "") -> None:
    """Set up Django on ``db_path`` (SQLite) or ``database_url`` (PostgreSQL), no Redis, no broker."""
    sys.path.insert(0, str(ROOT))
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_EAGER"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SQLITE_PATH": str(db_path),
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + "x" * 50,
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
        }
    )
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: collectstatic not run
    django.setup()
