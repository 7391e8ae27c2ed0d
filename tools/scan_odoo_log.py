#!/usr/bin/env python3
"""Report the WARNING, ERROR and CRITICAL records of an Odoo log file.

Usage: scan_odoo_log.py LOGFILE

Odoo writes one record per line,

    2026-11-23 19:08:17,137 7255 WARNING dbname logger.name: message

followed, for tracebacks, by continuation lines that do not start with a
timestamp; those are printed with their record. Exits 1 when at least one
such record was found, 0 when there is none.
"""

import re
import sys
from pathlib import Path

RECORD = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \d+ (?P<level>\S+) ")
BAD_LEVELS = {"WARNING", "ERROR", "CRITICAL"}


def bad_records(lines):
    """Yield lists of lines, one list per WARNING/ERROR/CRITICAL record."""
    current = None
    for line in lines:
        match = RECORD.match(line)
        if match:
            if current:
                yield current
            current = [line] if match.group("level") in BAD_LEVELS else None
        elif current is not None:
            current.append(line)
    if current:
        yield current


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__.strip())
    path = Path(argv[0])
    if not path.exists():
        print(f"Odoo log {path} does not exist: nothing was logged")
        return 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        records = list(bad_records(line.rstrip("\n") for line in handle))
    if not records:
        print(f"Odoo log {path}: no WARNING, ERROR or CRITICAL record")
        return 0
    print(f"Odoo log {path}: {len(records)} WARNING/ERROR/CRITICAL record(s):")
    for record in records:
        print("\n".join(record))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
