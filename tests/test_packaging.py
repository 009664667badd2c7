"""The wheel holds every package the code imports: pyproject's wheel packages against the
first-party imports of those packages (the editable install hides a missing one)."""

from __future__ import annotations

import ast
import tomllib

from tests.conftest import ROOT


def test_the_wheel_packages_every_first_party_package_its_code_imports():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packaged = set(config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"])
    first_party = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - {"tests"}
    imported: dict[str, str] = {}
    for package in sorted(packaged):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in first_party:
                        imported.setdefault(top, str(path.relative_to(ROOT)))
    missing = {top: where for top, where in imported.items() if top not in packaged}
    assert not missing, f"imported but not in the wheel: {missing}"
    assert "quality" in imported  # the check reads something: pipelines imports quality
