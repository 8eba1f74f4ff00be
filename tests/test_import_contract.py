"""The import contract of the code layout (run by `make test`), read from the source with ast.

- ``core`` (the frame) imports no domain app;
- ``cadres`` (the register) imports none of the apps built on it;
- the other domain apps import each other only through the contract selectors
  (``assessments.selectors.review_results_for_pay``, ``training.selectors.education_subsidies_for_year``);
- layers do not loop: services never import tasks, views or APIs (they queue jobs by name,
  core.jobs.enqueue); selectors never import services, tasks, views or APIs.

Nested (function-level) imports count as much as module-level ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("cadres", "reserves", "training", "assessments", "subsidies")
BUILT_ON_REGISTER = ("reserves", "training", "assessments", "subsidies")
# (importing app, imported module, imported name) — the only crossings between the apps built on the register.
CONTRACT = {
    ("subsidies", "assessments.selectors", "review_results_for_pay"),
    ("subsidies", "training.selectors", "education_subsidies_for_year"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path):
    """(imported module, imported names, line) of every import in the file, relative ones resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            names = tuple(a.name for a in node.names)
            # ``from pkg import sub`` imports the submodule pkg.sub
            yield target, names, node.lineno
            for name in names:
                yield f"{target}.{name}", (), node.lineno


def _sources(*apps: str):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def _app_of(module: str) -> str:
    return module.split(".")[0]


def test_core_imports_no_domain_app():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for _, path in _sources("core")
        for target, _, line in _imports(path)
        if _app_of(target) in DOMAIN
    ]
    assert found == []


def test_the_register_imports_no_app_built_on_it():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for _, path in _sources("cadres")
        for target, _, line in _imports(path)
        if _app_of(target) in BUILT_ON_REGISTER
    ]
    assert found == []


def test_domain_apps_cross_only_through_the_contract_selectors():
    crossings = set()
    for app, path in _sources(*BUILT_ON_REGISTER):
        for target, names, line in _imports(path):
            other = _app_of(target)
            if other in BUILT_ON_REGISTER and other != app and target.count(".") == 1:
                for name in names or ("*",):
                    crossings.add((app, target, name, f"{path.relative_to(ROOT)}:{line}"))
    # ``from assessments import selectors`` is reported as the module assessments.selectors
    seen = {(app, target, name) for app, target, name, _ in crossings}
    modules_only = {(app, target) for app, target, name in seen if name == "*"}
    allowed_modules = {(app, target) for app, target, _ in CONTRACT}
    assert modules_only <= allowed_modules, sorted(crossings)
    named = {c for c in seen if c[2] != "*"}
    assert named <= CONTRACT, sorted(crossings)
    # and what goes through those modules is only the contract function
    for app, path in _sources(*BUILT_ON_REGISTER):
        text = path.read_text(encoding="utf-8")
        for importer, module, function in CONTRACT:
            if app != importer:
                continue
            tree = ast.parse(text)
            aliases = {
                a.asname or a.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == module.split(".")[0]
                for a in node.names
                if a.name == module.split(".")[1]
            }
            used = {
                node.attr
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
            }
            assert used <= {function}, f"{path.relative_to(ROOT)} uses {module}.{sorted(used - {function})}"


def _layer(module: str) -> str | None:
    parts = module.split(".")
    for layer in ("services", "selectors", "tasks", "views", "api"):
        if layer in parts[1:]:
            return layer
    return None


FORBIDDEN = {
    "services": {"tasks", "views", "api"},
    "selectors": {"services", "tasks", "views", "api"},
}


def test_layers_do_not_loop():
    found = []
    for _, path in _sources("core", *DOMAIN):
        own = _layer(_module_name(path))
        if own not in FORBIDDEN:
            continue
        for target, _, line in _imports(path):
            if _app_of(target) in ("core", *DOMAIN) and _layer(target) in FORBIDDEN[own]:
                found.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {target}")
    assert found == []


def test_the_contract_test_can_fail(tmp_path):
    """A core module that imports the register is caught (the check is not vacuous)."""
    fake = tmp_path / "core"
    fake.mkdir()
    (fake / "bad.py").write_text("def f():\n    from cadres.models import Person\n", encoding="utf-8")
    globals()["ROOT"], saved = tmp_path, ROOT
    try:
        hits = [t for _, p in _sources("core") for t, _, _ in _imports(p) if _app_of(t) in DOMAIN]
    finally:
        globals()["ROOT"] = saved
    assert "cadres.models" in hits
