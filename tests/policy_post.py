"""The POST a policy section editor sends when the user saves it unchanged, as a browser does:
empty and unticked fields left out, ticked code lists as several values."""

from core.policy import split_codes
from core.policy_forms import CodesField


def editor_post(editor) -> dict:
    data = {}
    for _part, kind, obj in editor.parts:
        forms = obj.forms if kind == "table" else [obj]
        if kind == "table":
            mgmt = obj.management_form
            data.update({f"{mgmt.prefix}-{n}": mgmt.initial.get(n, f.initial) for n, f in mgmt.fields.items()})
        for form in forms:
            for name, field in form.fields.items():
                value = form.initial.get(name)
                if value is None or value is False or name == "DELETE":
                    continue
                if isinstance(field, CodesField):
                    value = split_codes(value)
                data[form.add_prefix(name)] = "on" if value is True else value
    return data
