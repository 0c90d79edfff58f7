"""The Python API reference of the documentation site (make docs): pdoc renders the package's
public modules from their docstrings and the typed facade, and the build fails when a public name
has no docstring (the docstring coverage check).

Usage: python python_api.py OUTPUT_DIRECTORY
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path

import pdoc
import pdoc.doc

MODULES = ["rudder_group", "rudder_group.analytics", "rudder_group.testing", "rudder_group.pytest_plugin"]


def load() -> None:
    """Loads every name of ``rudder_group.__all__``: the package imports them on first use, and
    pdoc sees only what is loaded."""
    package = importlib.import_module("rudder_group")
    for name in package.__all__:
        getattr(package, name)


def undocumented(module: str) -> list[str]:
    missing = []
    for member in pdoc.doc.Module.from_name(module).flattened_own_members:
        if member.name.startswith("_") and member.name != "__init__":
            continue
        if isinstance(member, pdoc.doc.Variable) and member.name.isupper():
            continue  # a constant: documented in its module's docstring
        if not member.docstring.strip():
            missing.append(f"{module}.{member.qualname}")
    return missing


def main() -> int:
    out = Path(sys.argv[1])
    load()
    with warnings.catch_warnings():
        # pdoc's notes about where an inherited attribute of a native class comes from.
        warnings.simplefilter("ignore")
        missing = [name for module in MODULES for name in undocumented(module)]
        pdoc.render.configure(show_source=False, docformat="restructuredtext", footer_text="rudder-group")
        pdoc.pdoc(*MODULES, output_directory=out)
    for name in missing:
        print(f"python_api: {name} has no docstring", file=sys.stderr)
    print(f"python_api: {len(MODULES)} modules rendered, {len(missing)} public names without a docstring")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
