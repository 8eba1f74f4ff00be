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
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
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
