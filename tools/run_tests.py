#!/usr/bin/env python3
"""Run the addon's tests with Odoo's runner and with pytest-odoo, then summarise.

Called by `make test` (after tools/bootstrap.sh) with the venv's python.
Steps:
  1. drop and recreate the test database, installing the addon (no demo data)
     with --test-enable: Odoo runs the addon's at_install tests right after
     installing it and its post_install tests at the end (one install only);
  2. run pytest-odoo on the same database;
  3. scan Odoo's log with tools/checklog.py.
Fails when a test fails, when either runner ran no test, when Odoo skipped
tests for lack of websocket-client/Chrome, or when the log has warnings/errors.
Ends with the line "N passed, N failed" (both runners added up).
"""

import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
SKIP = re.compile(r": skipped (\S+) : (.*)$")
BAD_SKIP = re.compile(r"websocket-client|Chrome executable not found", re.I)
RECORD_LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) \S+ (\S+): ")


def say(msg):
    print(f"[test] {msg}", flush=True)


def interesting(line, addon):
    """Which Odoo log lines to echo on the console (the full log is in a file)."""
    m = RECORD_LEVEL.match(line)
    if not m:
        return True  # tracebacks and other continuation lines
    level, logger = m.groups()
    return (
        level != "INFO"
        or logger.startswith(("odoo.tests", f"odoo.addons.{addon}"))
        or "tests when loading database" in line
        or "post-tests in" in line
        or "Modules loaded" in line
    )


def run_odoo(args, log_path):
    cmd = [
        PY, str(ROOT / "tools" / "odoo"),
        "-c", args.config, "-d", args.db,
        "-i", args.addon,
        "--test-enable", "--test-tags", args.test_tags,
        "--stop-after-init", "--http-port", str(args.port),
        "--log-level", "info", "--max-cron-threads", "0",
    ]  # fmt: skip
    if not args.demo:
        cmd.append("--without-demo=all")  # any non-empty value disables demo data
    say("Odoo runner: " + " ".join(cmd))
    stats = {"run": 0, "failed": 0, "errors": 0, "skipped": 0, "found": False}
    bad_skips = []
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace", cwd=ROOT,
        )  # fmt: skip
        echo = False
        for line in proc.stdout:
            log.write(line)
            line = line.rstrip("\n")
            is_record = RECORD_LEVEL.match(line)
            if is_record or not echo:
                echo = args.verbose or interesting(line, args.addon)
            if echo:
                print(line, flush=True)
            m = SUMMARY.search(line)
            if m:
                stats["found"] = True
                stats["failed"] += int(m[1])
                stats["errors"] += int(m[2])
                stats["run"] += int(m[3])
            m = SKIP.search(line)
            if m and is_record:
                stats["skipped"] += 1
                if BAD_SKIP.search(m[2]):
                    bad_skips.append(line)
        rc = proc.wait()
    return rc, stats, bad_skips


def run_pytest(args, junit):
    cmd = [
        PY, "-m", "pytest",
        f"--odoo-database={args.db}", f"--odoo-config={args.config}",
        f"--junitxml={junit}",
        *args.pytest_paths,
    ]  # fmt: skip
    # pytest-odoo turns HOST/PORT/USER/PASSWORD env vars into db_* options
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"HOST", "PORT", "USER", "PASSWORD"}
    }
    say("pytest-odoo: " + " ".join(cmd))
    if junit.exists():
        junit.unlink()
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    stats = {"run": 0, "failed": 0, "errors": 0, "skipped": 0}
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            stats["run"] += int(suite.get("tests", 0))
            stats["failed"] += int(suite.get("failures", 0))
            stats["errors"] += int(suite.get("errors", 0))
            stats["skipped"] += int(suite.get("skipped", 0))
    return rc, stats


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--addon", default="payment_reminder")
    p.add_argument("--db", default="payment_reminder_test")
    p.add_argument("--config", default=str(ROOT / "var" / "odoo-test.conf"))
    p.add_argument("--port", type=int, default=8169)
    p.add_argument("--test-tags", default=None, help="default: /<addon>")
    p.add_argument("--demo", action="store_true", help="install with demo data")
    p.add_argument("--verbose", action="store_true", help="echo Odoo's whole log")
    p.add_argument("--skip-pytest", action="store_true")
    p.add_argument("pytest_paths", nargs="*", help="default: <addon>")
    args = p.parse_args()
    args.test_tags = args.test_tags or f"/{args.addon}"
    args.pytest_paths = args.pytest_paths or [args.addon]
    logdir = ROOT / "var" / "log"
    logdir.mkdir(parents=True, exist_ok=True)
    log_path = logdir / "odoo-test.log"
    problems = []

    say(f"recreating database {args.db}")
    subprocess.run(["dropdb", "--if-exists", "--force", args.db], check=True)

    rc, ostats, bad_skips = run_odoo(args, log_path)
    o_failed = ostats["failed"] + ostats["errors"]
    o_passed = ostats["run"] - o_failed - ostats["skipped"]
    say(
        f"Odoo runner: exit {rc}, {ostats['run']} tests, {o_failed} failed, "
        f"{ostats['skipped']} skipped (full log: {log_path})"
    )
    if not ostats["found"]:
        problems.append(
            "Odoo runner: no test summary in the log (install failed?), see "
            + str(log_path)
        )
    elif ostats["run"] == 0:
        problems.append(
            f"Odoo runner: no test ran (test tags {args.test_tags}); "
            f"add tests in {args.addon}/tests/ and import them in tests/__init__.py"
        )
    if rc != 0 or o_failed:
        problems.append(f"Odoo runner: exit code {rc}, {o_failed} failed/errors")
    for line in bad_skips:
        problems.append("Odoo runner: test skipped for a missing tool: " + line)

    p_stats = {"run": 0, "failed": 0, "errors": 0, "skipped": 0}
    if not args.skip_pytest and ostats["found"] and rc == 0:
        prc, p_stats = run_pytest(args, logdir / "pytest-junit.xml")
        if prc == 5 or p_stats["run"] == 0:
            problems.append("pytest-odoo: no test ran (collected 0 items)")
        elif prc != 0:
            problems.append(f"pytest-odoo: exit code {prc}")
    elif not args.skip_pytest:
        problems.append("pytest-odoo: not run because the Odoo runner failed")
    p_failed = p_stats["failed"] + p_stats["errors"]
    p_passed = p_stats["run"] - p_failed - p_stats["skipped"]

    say("checking Odoo's log for warnings and errors")
    if subprocess.call([PY, str(ROOT / "tools" / "checklog.py"), str(log_path)]) != 0:
        problems.append("Odoo's log has warnings/errors (see checklog output above)")

    passed, failed = o_passed + p_passed, o_failed + p_failed
    skipped = ostats["skipped"] + p_stats["skipped"]
    for name, ok, ko, sk in (
        ("Odoo runner", o_passed, o_failed, ostats["skipped"]),
        ("pytest-odoo", p_passed, p_failed, p_stats["skipped"]),
    ):
        say(f"{name}: {ok} passed, {ko} failed, {sk} skipped")
    for problem in problems:
        say("FAIL: " + problem)
    if not problems:
        say("OK")
    line = f"{passed} passed, {failed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
