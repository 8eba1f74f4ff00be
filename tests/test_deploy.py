"""Production configuration: ``check --deploy`` is clean, and a missing SECRET_KEY fails loudly."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k9V#2rQ!x7Lm@4tZp8Wc&1bN6yHs3Jd5Fg0AeUoRiTqYwXvEzCnMlKjHgFdSaPoI",
    "ALLOWED_HOSTS": "touyan.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://touyan.example.gov.cn",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "DEMO", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_load_without_secret_key_when_debug_is_off():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}

    result = run(["-c", "import django; django.setup()"], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_settings_load_without_secret_key_in_development():
    result = run(["-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"], DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_demo_runs_with_debug_off_over_plain_http():
    """make demo (DEMO=1): DEBUG off, but no HTTPS redirect, secure-only cookies or HSTS on the
    plain-http 127.0.0.1 server."""
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "'127.0.0.1' in s.ALLOWED_HOSTS and 'localhost' in s.ALLOWED_HOSTS, len(s.SECRET_KEY) >= 50)"
    )
    result = run(["-c", probe], DEMO="1", SECRET_KEY="demo-" + "k" * 50)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "False", "0", "True", "True"]


def test_demo_secret_key_is_generated_once_owner_only_and_reused(tmp_path):
    from config.local import demo_secret_key

    path = tmp_path / "var" / "secret_key"
    first = demo_secret_key(path)

    assert len(first) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert demo_secret_key(path) == first


def test_production_keeps_https_settings_when_demo_is_not_set():
    probe = "import django; django.setup(); from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)"
    result = run(["-c", probe], **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_postgresql_connections_plan_for_fast_storage_unless_told_otherwise():
    """PG_RANDOM_PAGE_COST: 1.1 by default, added to the URL's own options; empty leaves the
    server's setting (a pooler that refuses startup options). SQLite has no such option."""
    probe = "import django; django.setup(); from django.conf import settings as s; print(s.DATABASES['default'].get('OPTIONS', {}).get('options'))"
    url = "postgres://u@db.internal:5432/touyan?options=-c%20statement_timeout%3D5000"
    outputs = [
        run(["-c", probe], DATABASE_URL=url, DEBUG="1", **extra).stdout.strip()
        for extra in ({}, {"PG_RANDOM_PAGE_COST": "4"}, {"PG_RANDOM_PAGE_COST": ""})
    ]
    assert outputs == [
        "-c statement_timeout=5000 -c random_page_cost=1.1",
        "-c statement_timeout=5000 -c random_page_cost=4.0",
        "-c statement_timeout=5000",
    ]
    sqlite = run(["-c", probe], DATABASE_URL="", DEBUG="1")
    assert sqlite.stdout.strip() == "None", sqlite.stderr
