"""Form plumbing shared by every app: Bootstrap classes, service errors on the form, the date input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

DATE_INPUT = {"type": "date"}


class BootstrapMixin:
    """Bootstrap 5 classes on every widget; ``is-invalid`` on fields with errors."""

    def _bootstrap(self) -> None:
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if isinstance(field, forms.DateField):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            if self._errors and name in self._errors:
                css += " is-invalid"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        self._bootstrap()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class Form(BootstrapMixin, forms.Form):
    pass


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's field-keyed ValidationError on the form's fields (others on top)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)
    if isinstance(form, BootstrapMixin):
        form._bootstrap()
