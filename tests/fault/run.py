"""Run the fault scenarios and print their figures (``make fault``).

    python3 -m fault.run [--profile full|short] [--only duplicates,kill,...]
        [--restart-postgres] [--keep-db] [--port-base PORT] [--size NAME=VALUE ...]

(from ``tests/``, as ``tools/fault.sh`` does). ``--restart-postgres``
restarts the machine's PostgreSQL server in the connection-loss scenario
(every database on it loses its connections); without it the scenario cuts
the server's own connections. ``--size`` changes one size of the profile
(``--size documents=200``). ``--port-base`` moves the ports of the run
(Odoo's HTTP port, then the simulators' at +10 and +11; short: 8600, full:
8650), for a run beside another one on the same machine; ``FAULT_DB_PREFIX``
renames its databases likewise. Exit status 0 only when every check passed.
"""

import argparse
import dataclasses
import logging
import shutil
import sys
import time


def odoo_paths():
    """Make the addons importable (``odoo.addons.retail_*``) outside Odoo."""
    from pathlib import Path  # noqa: PLC0415

    import odoo  # noqa: PLC0415
    from odoo.modules import module  # noqa: PLC0415

    addons = Path(__file__).resolve().parents[2] / "addons"
    odoo.tools.config.parse_config(
        [f"--addons-path={addons}", "--http-interface=127.0.0.1"], setup_logging=False
    )
    module.initialize_sys_path()


def chosen_profile(parser, args, harness):
    """The profile of the command line, with its ``--size`` and ports."""
    profile = harness.FULL if args.profile == "full" else harness.SHORT
    sizes = {}
    fields = {f.name: f.type for f in dataclasses.fields(profile)}
    for item in args.size:
        name, _sep, value = item.partition("=")
        if name not in fields:
            parser.error(f"no size {name!r}: {', '.join(sorted(fields))}")
        kind = type(getattr(profile, name))
        sizes[name] = kind(value) if kind is not bool else value in ("1", "true")
    if args.port_base:
        sizes["port_base"] = args.port_base
    return harness.scaled(profile, restart_postgres=args.restart_postgres, **sizes)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("full", "short"), default="full")
    parser.add_argument("--only", help="comma-separated scenarios")
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--port-base", type=int, metavar="PORT")
    parser.add_argument("--size", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    odoo_paths()
    # the simulators' access lines
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from . import harness, scenarios  # noqa: PLC0415

    profile = chosen_profile(parser, args, harness)
    chosen = list(scenarios.SCENARIOS) + ["apis"]
    if args.only:
        chosen = [name.strip() for name in args.only.split(",")]
    workdir = harness.workdir()
    fdb = harness.FaultDatabase(profile, workdir)
    print(f"Profile {profile}", flush=True)
    print(f"Installing {harness.MODULES} into {fdb.template} ...", flush=True)
    print(f"  {fdb.install():.0f}s", flush=True)
    results = []
    try:
        for name in chosen:
            started = time.monotonic()
            if name == "apis":
                from . import apis  # noqa: PLC0415

                result = apis.schemathesis_apis(profile, fdb, workdir)
            else:
                result = scenarios.SCENARIOS[name](profile, fdb, workdir)
            result.figures["scenario seconds"] = round(time.monotonic() - started, 1)
            results.append(result)
            print(result.text(), flush=True)
    finally:
        if not args.keep_db:
            for suffix in ("template", "duplicates", "kill", "postgres", "remote"):
                harness.dropdb(profile.db(suffix))
            for suffix in ("flash", "apis"):
                harness.dropdb(profile.db(suffix))
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Kept the databases {profile.db('*')} and {workdir}")
    failed = [r for r in results if not r.ok]
    print()
    print(
        f"{len(results) - len(failed)} of {len(results)} scenarios passed"
        + (": FAILED " + ", ".join(r.name for r in failed) if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
