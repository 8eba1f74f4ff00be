"""The doors of the site, found by walking the URLconf (tests/test_door_matrix.py uses this).

Every URL pattern of ``config.urls`` (pages, the REST API under the DRF routers, the admin) becomes
a :class:`Door`. Path parameters are filled from real rows: a parameter names a model (DRF: the
viewset's serializer model and lookup field; admin: the ModelAdmin's model; pages: the path segment
before it, e.g. ``people/<int:pk>/`` → Person, or its own name, ``flag_pk`` → VillageFlag) and the
row is taken from township A or township B through the model's scoped queryset (``for_township``),
so a new URL under a known segment is covered without being listed anywhere. A parameter that
names no model takes a value from :data:`VALUES`; a door that still cannot be filled must be named
in the test's exclusion list with a reason.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.routers import BaseRouter

API_PREFIX = "api/"
ADMIN_NAMESPACE = "admin"


@dataclass(frozen=True)
class Door:
    route: str  # the joined pattern, readable (``people/<int:pk>/``, ``api/v1/^people/(?P<pk>[^/.]+)/$``)
    name: str  # the namespaced URL name used to reverse it
    params: tuple[str, ...]
    app_label: str  # the app whose module serves it (``cadres``, ``core``, ``rest_framework`` …)
    callback: object = field(compare=False, repr=False)
    positional: int = 0  # unnamed groups (django-simple-history's admin ``…/history/(x)/``)

    @property
    def kind(self) -> str:
        if self.name.startswith(ADMIN_NAMESPACE + ":") or self.route.startswith(ADMIN_NAMESPACE + "/"):
            return "admin"
        return "api" if self.route.startswith(API_PREFIX) else "page"

    @property
    def is_format_variant(self) -> bool:
        """DRF's ``.json`` suffix twin of a door (same view, same object, other renderer)."""
        return "format" in self.params

    @property
    def viewset(self):
        return getattr(self.callback, "cls", None)

    @property
    def model_admin(self):
        return getattr(self.callback, "model_admin", None)

    @property
    def key(self) -> str:
        """The URL name, or the route for the few unnamed patterns (admin redirects)."""
        return self.name or self.route

    def __str__(self) -> str:
        return f"{self.name} [{self.route}]"


def _pattern_params(pattern) -> list[str]:
    return list(pattern.regex.groupindex)


def _walk(patterns, prefix: str, namespace: str, params: list[str]):
    for entry in patterns:
        here = [*params, *_pattern_params(entry.pattern)]
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns, here)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            module = getattr(entry.callback, "__module__", "") or ""
            app_label = module.split(".")[0]
            regex = entry.pattern.regex
            positional = regex.groups - len(regex.groupindex) if not here else 0
            yield Door(prefix + str(entry.pattern), name, tuple(dict.fromkeys(here)), app_label, entry.callback, positional)


def all_doors() -> list[Door]:
    """Every URL pattern of the project, in URLconf order."""
    return list(_walk(get_resolver().url_patterns, "", "", []))


def routers() -> list[BaseRouter]:
    """The DRF routers mounted in the URLconf (every ``include``d module's router objects)."""
    found: list[BaseRouter] = []

    def visit(resolver: URLResolver):
        module = resolver.urlconf_module
        for value in vars(module).values() if hasattr(module, "__dict__") else ():
            if isinstance(value, BaseRouter) and value not in found:
                found.append(value)
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                visit(entry)

    visit(get_resolver())
    return found


# ---------------------------------------------------------------------------------------------
# Parameter → model
# ---------------------------------------------------------------------------------------------

ALIASES = {"people": "person"}


def _concrete_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if not m.__name__.startswith("Historical") and m._meta.app_label not in {"admin", "contenttypes", "sessions"}
    ]


def _api_models() -> set[type[models.Model]]:
    served = set()
    for router in routers():
        for _prefix, viewset, basename in router.registry:
            model = _viewset_model(viewset)
            if model is None:  # the viewset picks its serializer per action: the basename names the entity
                module = viewset.__module__.split(".")[0]
                hits = [
                    m
                    for m in _concrete_models()
                    if m._meta.app_label == module and m._meta.model_name.endswith(_singular(basename))
                ]
                model = hits[0] if len(hits) == 1 else None
            if model is not None:
                served.add(model)
    return served


def _viewset_model(viewset):
    serializer = getattr(viewset, "serializer_class", None)
    meta = getattr(serializer, "Meta", None)
    return getattr(meta, "model", None)


def _singular(token: str) -> str:
    token = ALIASES.get(token, token)
    if token.endswith("ies"):
        token = token[:-3] + "y"
    elif token.endswith("s"):
        token = token[:-1]
    return token.replace("-", "").replace("_", "")


def model_for_token(token: str, app_label: str):
    """``sessions`` in training → TrainingSession; ``people`` → Person; None when nothing or several fit."""
    wanted = _singular(token.lower())
    if not wanted:
        return None
    every = _concrete_models()
    pools = [[m for m in every if m._meta.app_label == app_label], every]
    tests = [
        lambda name: name == wanted,
        lambda name: name.endswith(wanted),
        lambda name: wanted in name,
    ]
    for test in tests:
        for pool in pools:
            hits = [m for m in pool if test(m._meta.model_name)]
            if len(hits) > 1:  # several fit: the one the API serves is the entity, the others its parts
                hits = [m for m in hits if m in _api_models()]
            if len(hits) == 1:
                return hits[0]
    return None


def _segment_before(route: str, param: str) -> str:
    """The literal path segment in front of a parameter: ``people/<int:pk>/`` → ``people``."""
    match = re.search(rf"([A-Za-z][\w-]*)/(?:\^)?(?:<(?:\w+:)?{param}>|\(\?P<{param}>)", route)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class ParamModel:
    model: type[models.Model]
    field: str = "pk"  # the attribute whose value goes into the URL


def param_model(door: Door, param: str) -> ParamModel | None:
    viewset = door.viewset
    if viewset is not None:
        lookup = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        if param == lookup:
            basename = door.callback.initkwargs.get("basename") or ""
            model = _viewset_model(viewset) or model_for_token(basename, door.app_label)
            return ParamModel(model, getattr(viewset, "lookup_field", "pk")) if model else None
    if door.model_admin is not None and param == "object_id":
        return ParamModel(door.model_admin.model)
    app_label = door.app_label
    if param.endswith("_pk") and param not in {"sub_pk"}:
        model = model_for_token(param[: -len("_pk")], app_label)
        if model is not None:
            return ParamModel(model)
    if param in {"pk", "sub_pk", "object_id"} or param.endswith("_pk"):
        model = model_for_token(_segment_before(door.route, param), app_label)
        if model is not None:
            return ParamModel(model)
    return None


def is_scoped(model) -> bool:
    return hasattr(model._default_manager.all(), "for_township")


# ---------------------------------------------------------------------------------------------
# Bodies
# ---------------------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body_text(response) -> str:
    """All the text a response carries: HTML/JSON/CSV as text, every cell of every sheet of an
    .xlsx, the text layer of a PDF, every member of a zip. Unknown binary types raise, so a new
    download format has to be taught here before it passes."""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return bytes_text(raw, response.get("Content-Type", ""))


def bytes_text(raw: bytes, content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if not raw:
        return ""
    if kind == XLSX or (raw[:2] == b"PK" and b"xl/" in raw[:2000]):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        cells = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                cells.extend("" if value is None else str(value) for value in row)
        book.close()
        return "\n".join(cells)
    if kind == "application/pdf" or raw[:5] == b"%PDF-":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    if kind == "application/zip":
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "\n".join(bytes_text(archive.read(name), "") for name in archive.namelist())
    if kind == "application/xml" or (not kind and raw.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<?xml")):
        return raw.decode("utf-8")  # a 干部任免审批表 file (.lrmx), alone or inside a zip
    if kind == "text/csv":
        text = raw.decode("utf-8-sig")
        return "\n".join(",".join(row) for row in csv.reader(io.StringIO(text)))
    if (
        kind.startswith("text/")
        or kind.endswith("json")
        or kind == "application/vnd.oai.openapi"
        or kind.endswith("javascript")
        or kind.endswith("+xml")
    ):
        return raw.decode("utf-8")
    raise AssertionError(f"不认识的响应类型 {content_type!r}：请在 tests/door_matrix.py 的 bytes_text 里加上读取方法")


ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])")
DIGITS_RE = re.compile(r"(?<![0-9])[0-9]{12,19}(?![0-9])")


def full_numbers(text: str, known: set[str], pattern: re.Pattern = DIGITS_RE) -> set[str]:
    """The known full numbers (ID numbers, bank card numbers) that appear whole in ``text``."""
    return {n for n in pattern.findall(text) if n in known} | {n.upper() for n in pattern.findall(text) if n.upper() in known}


def url_for(door: Door, kwargs: dict) -> str:
    if door.positional:
        return reverse(door.name, args=kwargs["*args"])
    if door.name:
        return reverse(door.name, kwargs=kwargs)
    # Unnamed: put the values into the route itself (``<path:object_id>``, ``(?P<url>.*)``).
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), door.route)
    path = re.sub(r"\(\?P<(\w+)>[^()]*\)", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")
