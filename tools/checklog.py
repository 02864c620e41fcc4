#!/usr/bin/env python3
"""Fail when an Odoo log has WARNING/ERROR/CRITICAL records (like OCA's checklog-odoo).

Usage: checklog.py LOGFILE [--ignore FILE]

Each line of the ignore file (default: tools/checklog-ignore.txt next to this
script) is a Python regex searched in the whole first line of a log record;
blank lines and lines starting with '#' are skipped. Offending records are
printed with up to 15 following lines (tracebacks). Exit 1 if any.
"""

import argparse
import re
import sys
from pathlib import Path

RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ "
    r"(?P<level>DEBUG|INFO|WARNING|ERROR|CRITICAL|TEST|\?) "
    r"(?P<db>\S+) (?P<logger>\S+): "
)
BAD_LEVELS = {"WARNING", "ERROR", "CRITICAL"}


def load_ignores(path):
    patterns = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(re.compile(line))
    return patterns


def offending_records(lines, ignores):
    """Yield (first_line, continuation_lines) for each bad, non-ignored record."""
    current = None
    for line in lines:
        m = RECORD.match(line)
        if m:
            if current:
                yield current
            current = None
            if m["level"] in BAD_LEVELS and not any(p.search(line) for p in ignores):
                current = (line, [])
        elif current is not None:
            current[1].append(line)
    if current:
        yield current


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("logfile")
    parser.add_argument(
        "--ignore", default=str(Path(__file__).with_name("checklog-ignore.txt"))
    )
    args = parser.parse_args()
    ignores = load_ignores(args.ignore) if Path(args.ignore).exists() else []
    with open(args.logfile, errors="replace") as f:
        lines = [line.rstrip("\n") for line in f]
    bad = list(offending_records(lines, ignores))
    if not bad:
        print(f"checklog: no warning or error in {args.logfile}")
        return 0
    print(f"checklog: {len(bad)} warning/error record(s) in {args.logfile}:")
    for first, rest in bad:
        print("  " + first)
        for extra in rest[:15]:
            print("  | " + extra)
        if len(rest) > 15:
            print(f"  | ... ({len(rest) - 15} more lines)")
    print(
        f"checklog: fix them, or if harmless and not from payment_reminder, "
        f"add a regex to {args.ignore}"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
