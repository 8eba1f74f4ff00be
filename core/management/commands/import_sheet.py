"""Batch-load a spreadsheet through the same pipeline and scope rules as the browser upload.

    python manage.py import_sheet FILE --type cadres --township 甲镇 [--user admin] [--dry-run]
    python manage.py import_sheet --type help        # lists the registered sheet types

The last line is ``created=N updated=N unchanged=N errors=N``; exit status 0 when the file has no
errors, 1 when it has (nothing applied; the error workbook is written next to the file) or when
the apply crashed (nothing applied either: the apply is one transaction).
"""

import logging
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from core.conf import township_model, user_model
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview
from core.imports.pipeline import REGISTRY, get_sheet_type
from core.imports.workbooks import error_workbook
from core.models import BatchStatus


class Command(BaseCommand):
    help = "导入表格（与网页上传相同的校验、范围和全有或全无规则）"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="表格文件（--type help 时可省略）")
        parser.add_argument("--type", required=True, help="表格类型；--type help 列出全部")
        parser.add_argument("--township", help="乡镇(街道)名称或区划代码；本次只能导入该乡镇的数据")
        parser.add_argument("--user", default="admin", help="以哪个用户的身份和数据范围导入（默认 admin）")
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")

    def handle(self, *args, **opts):
        if opts["type"] == "help":
            for key, st in REGISTRY.items():
                self.stdout.write(f"{key}\t{st.label}")
            return
        if opts["type"] not in REGISTRY:
            raise CommandError(f"未知的表格类型 {opts['type']}；可选：{', '.join(REGISTRY)}")
        if not opts["file"]:
            raise CommandError("请指定要导入的表格文件：import_sheet FILE --type TYPE")
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            user = user_model().objects.get(username=opts["user"], is_active=True)
        except user_model().DoesNotExist:
            raise CommandError(f"用户不存在：{opts['user']}") from None
        township = None
        if opts["township"]:
            township = township_model().objects.filter(Q(name=opts["township"]) | Q(code=opts["township"])).first()
            if township is None:
                raise CommandError(f"乡镇不存在：{opts['township']}")
            if user.is_clerk and user.township_id != township.pk:
                raise CommandError(f"用户 {user.username} 只能导入{user.township.name}的数据")
        try:
            batch = import_batch_create(
                by=user, sheet_type=opts["type"], filename=path.name, data=path.read_bytes(), township=township
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        batch = import_batch_preview(batch=batch)
        summary = batch.summary
        for line in summary.get("errors", []):
            self.stdout.write(line)
        for line in summary.get("warnings", [])[:200]:
            self.stdout.write(f"提示 {line}")
        c = batch.counts
        if batch.status == BatchStatus.PREVIEWED and not opts["dry_run"]:
            try:
                batch = import_batch_apply(batch=batch, by=user)
            except Exception as exc:  # the batch is marked 导入失败; the transaction wrote nothing
                logging.getLogger(__name__).exception("import_sheet: apply of batch %s failed", batch.pk)
                self.stdout.write(f"导入时发生系统错误，未写入任何数据（批次 #{batch.pk}）：{exc}")
                self.stdout.write(self._summary({**c, "errors": max(c.get("errors", 0), 1)}))
                raise SystemExit(1) from None
            c = batch.counts
        if batch.status == BatchStatus.INVALID:
            if summary.get("rows") and not get_sheet_type(opts["type"]).own_reader:  # .lrmx: the messages say it all
                out = path.with_name(path.stem + ".错误标注.xlsx")
                out.write_bytes(error_workbook(path.read_bytes(), batch.summary))
                self.stdout.write(f"错误标注文件：{out}")
            self.stdout.write(self._summary(c))
            raise SystemExit(1)
        self.stdout.write(self._summary(c))

    @staticmethod
    def _summary(c: dict) -> str:
        keys = ("created", "updated", "unchanged", "errors")
        return " ".join(f"{k}={c.get(k, 0)}" for k in keys)
