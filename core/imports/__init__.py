"""The one spreadsheet pipeline: parse → map headers → normalise cells → validate → preview → apply.

Each app plugs its sheet types in (``registry.register``); see the register app's sheets.py for the
两委成员花名册 and 第一书记花名册. Reading uses python-calamine (Rust) because stock
django-import-export (tablib/openpyxl) is ~10× slower and too strict for clerks' files; the
admin keeps django-import-export Resources for simple tables.
"""
