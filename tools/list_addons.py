#!/usr/bin/env python3
"""List the Odoo addons of a directory.

Usage:
    list_addons.py DIR              print the installable addons, comma-joined
    list_addons.py --paths DIR      print the installable addon paths, one a line
    list_addons.py --has-modules DIR
                                    exit 0 when DIR holds at least one Odoo
                                    module (what Odoo requires of an entry of
                                    addons_path), 1 otherwise

An addon is a sub-directory with a __manifest__.py; it is installable unless
its manifest says "installable": False (Odoo's default is True).
"""

import ast
import sys
from pathlib import Path


def manifest_of(addon_dir):
    path = addon_dir / "__manifest__.py"
    try:
        return ast.literal_eval(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError) as exc:
        sys.exit(f"cannot read {path}: {exc}")


def installable_addons(addons_dir):
    return [
        child
        for child in sorted(addons_dir.iterdir())
        if (child / "__manifest__.py").is_file()
        and manifest_of(child).get("installable", True)
    ]


def has_modules(addons_dir):
    return any(
        (child / "__manifest__.py").is_file() and (child / "__init__.py").is_file()
        for child in addons_dir.iterdir()
    )


def main(argv):
    mode = None
    if argv and argv[0] in ("--paths", "--has-modules"):
        mode = argv.pop(0)
    if len(argv) != 1:
        sys.exit(__doc__.strip())
    addons_dir = Path(argv[0])
    if not addons_dir.is_dir():
        sys.exit(f"not a directory: {addons_dir}")
    if mode == "--has-modules":
        return 0 if has_modules(addons_dir) else 1
    addons = installable_addons(addons_dir)
    if mode == "--paths":
        for addon in addons:
            print(addon)
    else:
        print(",".join(addon.name for addon in addons))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
