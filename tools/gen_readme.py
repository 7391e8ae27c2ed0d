"""Build each addon's README.rst from its readme/*.md fragments.

    python3 tools/gen_readme.py [--check]

The fragments are the source (OCA layout); README.rst is what PyPI and the
Odoo apps page show. Markdown is kept simple so that it reads as
reStructuredText too: paragraphs, "- " lists, ``code`` and **bold**.
"""

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("DEVELOP.md", "Development"),
    ("ROADMAP.md", "Known issues / Roadmap"),
]


def md_to_rst(text):
    text = re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"``\1``", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`_", text)
    return tables_to_rst(text).strip() + "\n"


def _cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def tables_to_rst(text):
    """Markdown pipe tables (header, separator, rows) as RST list tables."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        is_table = (
            line.startswith("|")
            and i + 1 < len(lines)
            and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip())
        )
        if not is_table:
            out.append(line)
            i += 1
            continue
        rows = [_cells(line)]
        i += 2
        while i < len(lines) and lines[i].startswith("|"):
            rows.append(_cells(lines[i]))
            i += 1
        out += [".. list-table::", "   :header-rows: 1", ""]
        for row in rows:
            out.append(f"   * - {row[0]}")
            out += [f"     - {cell}" for cell in row[1:]]
        out.append("")
    return "\n".join(out)


def title(text, char):
    return f"{text}\n{char * len(text)}\n"


def render(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    parts = [
        "=" * len(manifest["name"]),
        manifest["name"],
        "=" * len(manifest["name"]),
        "",
        f".. |license| image:: https://img.shields.io/badge/licence-"
        f"{manifest['license']}-blue.png",
        "",
        "|license|",
        "",
    ]
    for filename, heading in SECTIONS:
        fragment = addon / "readme" / filename
        if not fragment.exists():
            continue
        if heading:
            parts.append(title(heading, "="))
        parts.append(md_to_rst(fragment.read_text()))
    parts.append(title("Credits", "="))
    parts.append(f"Authors: {manifest['author']}\n")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for manifest in sorted(ROOT.glob("addons/*/__manifest__.py")):
        addon = manifest.parent
        target = addon / "README.rst"
        content = render(addon)
        if args.check:
            if not target.exists() or target.read_text() != content:
                stale.append(str(target.relative_to(ROOT)))
        else:
            target.write_text(content)
    if stale:
        print("README.rst out of date (run python3 tools/gen_readme.py):")
        print("\n".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
