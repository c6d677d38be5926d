"""Check that every public name of a package is documented in the API reference.

``python docs/check_api.py PACKAGE PAGES_DIR`` imports ``PACKAGE`` and, for every name in
its ``__all__`` (for robojac: the names declared in ``robojac/__init__.pyi``), checks:

* the API pages under ``PAGES_DIR`` hold a mkdocstrings directive for it, ``::: PACKAGE.NAME``
  (so the built site has its entry);
* it has a docstring of its own: a function, a class (a dataclass's generated
  ``Name(field, ...)`` signature does not count), a module; for a module, every name of
  the module's ``__all__``; for a class, every public method and property (inherited
  docstrings count: an override of a documented method is documented).

Prints one line per problem and exits 1 if there is any, else 0. ``make docs`` runs it
before ``mkdocs build --strict``; mkdocstrings alone renders an undocumented name as an
empty entry without a warning.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any


def _own_doc(obj: Any) -> str:
    doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
    if inspect.isclass(obj) and doc.startswith(f"{obj.__name__}("):  # dataclasses write the signature
        return ""
    return doc.strip()


def _members(name: str, cls: type) -> list[str]:
    """The public methods and properties of ``cls`` (its own, not object's) without a docstring."""
    out = []
    for key, value in vars(cls).items():
        if key.startswith("_"):
            continue
        if isinstance(value, property):
            doc = inspect.getdoc(value) or ""
        elif inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod)):
            doc = inspect.getdoc(getattr(cls, key)) or ""
        else:
            continue
        if not doc.strip():
            out.append(f"{name}.{key}")
    return out


def undocumented(package: str) -> list[str]:
    """Public names of ``package`` (and their members) that lack a docstring."""
    pkg = importlib.import_module(package)
    missing: list[str] = []
    for name in getattr(pkg, "__all__", []):
        obj = getattr(pkg, name)
        if inspect.ismodule(obj):
            if not _own_doc(obj):
                missing.append(name)
            items = [(f"{name}.{m}", getattr(obj, m)) for m in getattr(obj, "__all__", [])]
        else:
            items = [(name, obj)]
        for label, item in items:
            if inspect.isclass(item):
                if not _own_doc(item):
                    missing.append(label)
                missing += _members(label, item)
            elif callable(item) and not _own_doc(item):
                missing.append(label)
    return missing


def unlisted(package: str, pages: Path) -> list[str]:
    """Public names of ``package`` with no ``::: package.name`` directive in the pages."""
    pkg = importlib.import_module(package)
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(pages.rglob("*.md")))
    listed = set(re.findall(rf"^:::\s+{re.escape(package)}\.([\w.]+)", text, flags=re.MULTILINE))
    return [name for name in getattr(pkg, "__all__", []) if name not in listed]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python docs/check_api.py PACKAGE PAGES_DIR", file=sys.stderr)
        return 2
    package, pages = argv[0], Path(argv[1])
    problems = [f"{package}.{n}: no docstring" for n in undocumented(package)]
    problems += [
        f"{package}.{n}: not in the API reference (add '::: {package}.{n}' under {pages})"
        for n in unlisted(package, pages)
    ]
    for line in problems:
        print(f"check_api: {line}", file=sys.stderr)
    if not problems:
        print(f"check_api: every public name of {package} is documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
