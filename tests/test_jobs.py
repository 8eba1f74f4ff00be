"""core.jobs.enqueue finds a task by name in a process that never imported the apps' tasks
modules (the web process, seed_demo): `make demo` on a fresh machine queued the pay-run compute
from a management command and failed with "NotRegistered"."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import django, sys
django.setup()
from celery import current_app
from core.jobs import task_by_name
assert "subsidies.tasks.payrun_compute_task" not in current_app.tasks, "already registered"
task = task_by_name("subsidies.tasks.payrun_compute_task")
print(task.name)
"""


def test_a_task_is_found_by_name_in_a_fresh_process():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    out = subprocess.run(  # noqa: S603 - this interpreter with a fixed script
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "subsidies.tasks.payrun_compute_task"
