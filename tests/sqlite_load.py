"""Concurrent logins and token requests over real HTTP while an import is applied, on a SQLite file.

    python -m tests.sqlite_load --db /tmp/load.sqlite3 [--threads 8] [--rounds 3] [--rows 4000]

Run in a process of its own (tests/test_sqlite_concurrency.py starts it) with the project's real
settings (config.settings, SQLITE_PATH=--db): migrates the fresh file, seeds a township, users and a
previewed 两委成员花名册 batch, then serves the app from a threaded WSGI server (a thread per
request, each with its own database connection, as under runserver) and, from --threads client
threads, logs in through the login page and asks /api/v1/auth/token/ for a token - over and over
while one more client applies the import through /imports/<id>/apply/ (the apply runs inside that
request: Celery is eager in the embedded default). Prints one JSON object: requests sent, the ones
that overlapped the apply, status counts and every error (a 5xx, an unexpected status or a broken
connection).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "pw-load-123"


def setup(db: str, rows: int) -> int:
    import django

    os.environ["SQLITE_PATH"] = db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Logins would otherwise spend most of the run hashing passwords (PBKDF2) on a 2-core machine.
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    call_command("migrate", verbosity=0, interactive=False)

    from bench.imports import make_roster
    from cadres import choices, services
    from cadres.models import ImportBatch, Township, User, Village
    from core.imports.batches import import_batch_create, import_batch_preview

    township = Township.objects.create(name="甲镇", code="430122100")
    villages = Village.objects.bulk_create(
        Village(township=township, name=f"第{i:02d}村", code=f"430122{100000 + i:06d}") for i in range(20)
    )

    def user(name: str) -> User:
        u = User.objects.create_user(name, password=PASSWORD)
        return services.user_set_role(user=u, role=choices.Role.COUNTY)

    importer = user("importer")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        make_roster(path, rows, [(township.name, v.name) for v in villages])
        data = path.read_bytes()
    batch = import_batch_create(by=importer, sheet_type="cadres", filename="花名册.xlsx", data=data, township=township)
    batch = import_batch_preview(batch=batch)
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise SystemExit(f"preview failed: {batch.status} {batch.message}")
    return batch.pk


def serve():
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=True)
    httpd.set_app(get_wsgi_application())
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="login+token rounds per thread at least")
    parser.add_argument("--rows", type=int, default=4000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    batch_id = setup(args.db, args.rows)
    from cadres import choices, services
    from cadres.models import ImportBatch, Person, User
    from core.imports.batches import preview_token

    token = preview_token(ImportBatch.objects.get(pk=batch_id))  # what the page's 确认导入 form posts
    names = [f"user{i:02d}" for i in range(args.threads)]
    for name in names:
        services.user_set_role(user=User.objects.create_user(name, password=PASSWORD), role=choices.Role.COUNTY)
    from django.db import connection

    connection.close()  # the server threads open their own

    import requests

    httpd, base = serve()
    lock = threading.Lock()
    statuses: Counter = Counter()
    errors: list[str] = []
    sent = {"all": 0, "during_apply": 0}
    apply_started = threading.Event()
    apply_done = threading.Event()
    apply_window: dict[str, float] = {}

    def record(label: str, expected: int, call) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = call()
        except requests.RequestException as exc:
            with lock:
                errors.append(f"{label}: {exc!r}")
            return None
        with lock:
            sent["all"] += 1
            if label != "POST /imports/apply/" and started < apply_window.get("end", float("inf")):
                sent["during_apply"] += 1
            statuses[f"{label} {response.status_code}"] += 1
            if response.status_code != expected:
                errors.append(f"{label}: HTTP {response.status_code} {response.text[:200]!r}")
        return response

    def login(session: requests.Session, name: str) -> bool:
        page = record("GET /login/", 200, lambda: session.get(f"{base}/login/", timeout=60))
        if page is None:
            return False
        token = session.cookies.get("csrftoken")
        done = record(
            "POST /login/",
            302,
            lambda: session.post(
                f"{base}/login/",
                data={"username": name, "password": PASSWORD, "csrfmiddlewaretoken": token},
                allow_redirects=False,
                timeout=60,
            ),
        )
        return done is not None and done.status_code == 302

    def client(name: str) -> None:
        apply_started.wait(timeout=120)
        rounds = 0
        while rounds < args.rounds or not apply_done.is_set():
            with requests.Session() as session:
                login(session, name)
            record(
                "POST /api/v1/auth/token/",
                200,
                lambda: requests.post(f"{base}/api/v1/auth/token/", json={"username": name, "password": PASSWORD}, timeout=60),
            )
            rounds += 1
            if rounds >= 50:
                break

    def importer() -> None:
        with requests.Session() as session:
            if not login(session, "importer"):
                apply_started.set()
                apply_done.set()
                return
            apply_window["start"] = time.monotonic()
            apply_started.set()
            record(
                "POST /imports/apply/",
                302,
                lambda: session.post(
                    f"{base}/imports/{batch_id}/apply/",
                    data={"csrfmiddlewaretoken": session.cookies.get("csrftoken"), "preview": token},
                    allow_redirects=False,
                    timeout=600,
                ),
            )
            apply_window["end"] = time.monotonic()
            apply_done.set()

    threads = [threading.Thread(target=importer)] + [threading.Thread(target=client, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    httpd.shutdown()

    batch = ImportBatch.objects.get(pk=batch_id)
    result = {
        "threads": args.threads,
        "rows": args.rows,
        "requests": sent["all"],
        "requests_during_apply": sent["during_apply"],
        "apply_seconds": round(apply_window.get("end", 0) - apply_window.get("start", 0), 2),
        "batch_status": batch.status,
        "people": Person.objects.count(),
        "statuses": dict(sorted(statuses.items())),
        "errors": errors,
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
