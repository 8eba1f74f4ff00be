"""``manage.py seed_demo``: a realistic demo county, deterministic from a seed.

    python manage.py seed_demo                 # reuse the demo county if one exists, else build it
    python manage.py seed_demo --reset         # wipe the database and build it again
    python manage.py seed_demo --scale 20      # ≈ a prefecture (360 townships, 5,000 villages)

Scale 1 ≈ 18 townships, 256 villages, ≈2,500 distinct current 两委 members (≈10 a village, 一肩挑
and 交叉任职 counted once), ≈800 村民小组长, ≈100 first secretaries.

See cadres/demo/ for what is generated and why it bypasses the services.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import random
import time
import unicodedata

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Q

from cadres import choices
from cadres.demo import DemoCounty
from cadres.models import Township, User


def pad(text: str, width: int) -> str:
    """Left-align for a terminal, counting CJK characters as two columns."""
    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - cols)


ROLE_ORDER = {choices.Role.ADMIN: 0, choices.Role.COUNTY: 1, choices.Role.AUDITOR: 2, choices.Role.CLERK: 3}
SHOWN_CLERKS = 20
DEMO_APPS = ["reserves", "training", "assessments", "subsidies"]


class Command(BaseCommand):
    help = "生成演示县数据（乡镇、村、两委成员、第一书记、资格联审、演示账号）；已有数据时直接复用。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（同一种子生成相同数据），默认 2026")
        parser.add_argument("--scale", type=int, default=1, help="规模倍数：1 ≈ 一个县；20 ≈ 一个地级市")
        parser.add_argument("--reset", action="store_true", help="清空整个数据库后重新生成")
        parser.add_argument("--force", action="store_true", help="允许在 DEBUG=0（生产配置）下运行")
        # For tests: build only the first K townships of the county (fast).
        parser.add_argument("--townships", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, seed: int, scale: int, reset: bool, force: bool, townships: int | None, **options) -> None:
        if not settings.DEBUG and not settings.DEMO and not force:
            raise CommandError("DEBUG=0（生产配置）下不生成演示数据：演示账号使用公开密码。确需运行请加 --force。")
        if scale < 1:
            raise CommandError("--scale 须为正整数。")
        if reset:
            self.stdout.write("--reset：清空数据库……")
            call_command("flush", interactive=False, verbosity=0)
        elif Township.objects.exists():
            self.stdout.write(
                self.style.WARNING(
                    f"数据库中已有 {Township.objects.count()} 个乡镇(街道)，复用现有数据，未生成新数据（重新生成请加 --reset）。"
                )
            )
            self._print_logins()
            return
        started = time.monotonic()
        if connection.vendor == "postgresql":
            # A bulk load: its commits need not wait for the disk. The database stays consistent;
            # a server crash during the seed may lose its last steps (build again with --reset).
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
        builder = DemoCounty(seed=seed, scale=scale, townships=townships, password=settings.DEMO_PASSWORD)
        stats = builder.build()
        for index, app in enumerate(DEMO_APPS, start=1):
            # Each domain app builds its own demo data on top of the register (<app>/demo.py).
            if importlib.util.find_spec(f"{app}.demo") is None:
                continue
            app_started = time.monotonic()
            importlib.import_module(f"{app}.demo").seed_demo(
                rng=random.Random(seed * 100 + index), today=builder.today, stdout=self.stdout
            )
            self.stdout.write(f"  {app}：演示数据已生成（{time.monotonic() - app_started:.1f} 秒）")
        # Planner statistics for the freshly loaded tables: without them PostgreSQL (before its
        # autovacuum gets there) and SQLite pick nested loops that make the dashboard 10–40×
        # slower at prefecture scale (bench/dashboard.py). On PostgreSQL also VACUUM, as its
        # manual advises after a bulk load and as autovacuum would do in production: it marks
        # the pages all-visible, so counts are answered from an index instead of the whole table
        # (人员名册's COUNT over 134,000 people: 11 → 5 ms). It cannot run inside a transaction
        # (a test's), where ANALYZE alone is done.
        # Only the project's own tables: a bare ANALYZE also visits the cluster's shared catalogs
        # and waits behind any long transaction in another database of the same server.
        command = "VACUUM (ANALYZE)" if connection.vendor == "postgresql" and not connection.in_atomic_block else "ANALYZE"
        with connection.cursor() as cursor:
            for table in connection.introspection.django_table_names(only_existing=True, include_views=False):
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成（seed={seed}, scale={scale}），用时 {elapsed:.1f} 秒："))
        for name, count in stats.counts.items():
            self.stdout.write(f"  {pad(name, 16)}{count:>9,}")
        self._print_logins()

    def _print_logins(self) -> None:
        users = sorted(
            User.objects.filter(Q(username__in=["admin", "county", "auditor"]) | Q(username__regex=r"^clerk\d+$")),
            key=lambda u: (ROLE_ORDER.get(u.role, 9), len(u.username), u.username),
        )
        if not users:
            return
        townships = dict(Township.objects.values_list("id", "name"))
        clerks = [u for u in users if u.role == choices.Role.CLERK]
        password = settings.DEMO_PASSWORD
        self.stdout.write("")
        self.stdout.write("演示账号 / Demo logins（密码 / password: " + password + "）")
        self.stdout.write("  " + pad("角色 Role", 22) + pad("用户名 Username", 18) + pad("密码 Password", 16) + "数据范围 Scope")
        for user in users:
            if user.role == choices.Role.CLERK and clerks.index(user) >= SHOWN_CLERKS:
                continue
            scope = {
                choices.Role.ADMIN: "全县 + 管理后台 /admin/",
                choices.Role.COUNTY: "全县（可编辑、备案）",
                choices.Role.AUDITOR: "全县（只读）",
            }.get(user.role, f"仅 {townships.get(user.township_id, '')}")
            role = choices.Role(user.role).label if user.role in choices.Role.values else user.role
            self.stdout.write("  " + pad(role, 22) + pad(user.username, 18) + pad(password, 16) + scope)
        if len(clerks) > SHOWN_CLERKS:
            self.stdout.write(f"  …… 共 {len(clerks)} 个乡镇组织委员账号：{clerks[0].username} – {clerks[-1].username}")
