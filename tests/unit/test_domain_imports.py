"""warn.domain is the pure core: it imports the standard library and itself, nothing else."""

import ast
import sys
from pathlib import Path

import pytest

import warn.domain

DOMAIN_DIR = Path(warn.domain.__file__).parent
DOMAIN_FILES = sorted(DOMAIN_DIR.rglob("*.py"))


def imported_modules(source: Path) -> list[str]:
    """Every absolute module an `import` or `from ... import` in the file names."""
    tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside warn.domain
                names.append("warn.domain")
            elif node.module is not None:
                names.append(node.module)
    return names


def is_allowed(module: str) -> bool:
    top = module.split(".")[0]
    return (top in sys.stdlib_module_names or module == "warn.domain"
            or module.startswith("warn.domain."))


def test_the_domain_has_modules_to_check():
    names = {path.name for path in DOMAIN_FILES}
    assert {"decide.py", "ladder.py", "case.py", "signals.py", "policy.py"} <= names


@pytest.mark.parametrize("source", DOMAIN_FILES, ids=lambda path: path.name)
def test_domain_module_imports_only_stdlib_and_the_domain(source: Path):
    foreign = [name for name in imported_modules(source) if not is_allowed(name)]
    assert foreign == [], f"{source.name} imports {foreign}"


@pytest.mark.parametrize(("module", "allowed"), [
    ("datetime", True),
    ("collections.abc", True),
    ("warn.domain.case", True),
    ("warn.domain", True),
    ("warn.policy_file", False),
    ("warn", False),
    ("yaml", False),
    ("sqlalchemy.orm", False),
])
def test_the_import_rule_itself(module: str, allowed: bool):
    assert is_allowed(module) is allowed
