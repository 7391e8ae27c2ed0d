#!/usr/bin/env python3
"""Tell whether the requirement files are satisfied by the running Python.

Usage: check_requirements.py FILE [FILE...]

Exits 0 when every requirement is installed in a version its specifier
accepts, 1 otherwise (listing what is missing). It reads installed
distribution metadata only, so it takes a fraction of a second where
`pip install --dry-run` would resolve against the package index.
"""

import sys
from importlib import metadata
from pathlib import Path

try:
    from packaging.requirements import InvalidRequirement, Requirement
except ImportError:  # pip always vendors a copy
    from pip._vendor.packaging.requirements import InvalidRequirement, Requirement


def read_requirements(path):
    """Yield the requirement strings of a pip requirements file."""
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            nested = line.split(None, 1)[1]
            yield from read_requirements(Path(path).parent / nested)
            continue
        if line.startswith("-"):
            # Other pip options (index URLs, constraints...) do not name a
            # requirement.
            continue
        yield line


def problem(requirement_text):
    """Return why the requirement is not satisfied, or None."""
    try:
        req = Requirement(requirement_text)
    except InvalidRequirement as exc:
        return f"invalid requirement {requirement_text!r}: {exc}"
    if req.marker is not None and not req.marker.evaluate():
        return None
    try:
        installed = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        return f"{req.name} is not installed (wanted {req})"
    if req.specifier and not req.specifier.contains(installed, prereleases=True):
        return f"{req.name} {installed} is installed, {req} is wanted"
    return None


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    problems = [
        msg
        for path in argv
        for text in read_requirements(path)
        if (msg := problem(text)) is not None
    ]
    for msg in problems:
        print(f"requirement not satisfied: {msg}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
