"""Dependencies point one way: config ← b24app ← handlers, jobs ← app.py; sandbox apart.

Parses every import statement (AST) instead of importing, so a violation anywhere in the
tree fails here even in code no other test reaches.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP_PACKAGES = ("config", "b24app", "handlers", "jobs")

# package -> top-level modules it must never import
FORBIDDEN = {
    "config": {"b24app", "handlers", "jobs", "app", "demo", "sandbox", "flask", "werkzeug", "apscheduler"},
    "b24app": {"handlers", "jobs", "app", "demo", "sandbox", "flask", "werkzeug", "apscheduler"},
    "handlers": {"jobs", "app", "demo", "sandbox", "apscheduler"},
    "jobs": {"handlers", "app", "demo", "sandbox", "flask", "werkzeug"},
    "sandbox": {"b24app", "handlers", "jobs", "config", "app", "demo"},
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package: str) -> None:
    violations = []
    for path in python_files(package):
        bad = imported_top_levels(path) & FORBIDDEN[package]
        if bad:
            violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not violations, "\n".join(violations)


def test_every_app_package_has_modules() -> None:
    for package in (*APP_PACKAGES, "sandbox"):
        assert python_files(package), f"{package}/ has no Python modules"


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom b24app.models import Portal\nfrom . import sibling\n")
    assert imported_top_levels(sample) == {"flask", "b24app"}
