#!/usr/bin/env python3
"""Install Odoo 19 Community into the running Python (a virtual environment).

Usage: install_odoo.py [--source DIR] [--checkout DIR]

Run by `make test` and `make demo` (tools/common.sh) with the interpreter of
the project's virtual environment when the machine's `python3` does not
import Odoo 19. Steps:

1. The source: ``--source`` (or ``ODOO_SOURCE``), a local Odoo 19 tree; else
   ``--checkout`` (default ``var/odoo-src``), cloned once from
   ``ODOO_REPO`` (Odoo's public repository, branch 19.0) when absent.
2. Odoo's own requirements, for this Python. Some of Odoo's exact pins do
   not build on every Python (old build tooling, missing C headers): a pin
   that fails is replaced by the nearest release that ships a wheel for
   this Python (same minor version first, then any newer one). Only the
   optional ``python-ldap`` (the ``auth_ldap`` addon) may be left out, with a
   message saying which system libraries it needs.
3. Odoo itself, as an editable install of the source tree (nothing copied).

Exit status 0 when ``import odoo.release`` gives 19 afterwards.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPO = "https://github.com/odoo/odoo.git"
BRANCH = "19.0"
#: packages Odoo lists but that only optional addons need
OPTIONAL = {
    "python-ldap": "libldap2-dev and libsasl2-dev (Debian/Ubuntu) for auth_ldap",
}
#: build back-ends of old sdists import pkg_resources, gone from setuptools 80
BUILD_CONSTRAINTS = "setuptools<80\n"


def say(message):
    print(f"==> {message}", flush=True)


def pip(*args, constraints=None, check=True):
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    if constraints:
        env["PIP_CONSTRAINT"] = constraints
    command = [sys.executable, "-m", "pip", "install", "-q", *args]
    return subprocess.run(command, env=env, check=check).returncode == 0


def odoo_version(source):
    """The major version of the Odoo tree at ``source``, or None."""
    release = source / "odoo" / "release.py"
    if not release.is_file():
        return None
    namespace = {}
    try:
        exec(compile(release.read_text(), str(release), "exec"), namespace)  # noqa: S102
    except Exception:  # noqa: BLE001 - an unreadable tree is no Odoo tree
        return None
    info = namespace.get("version_info")
    return info[0] if info else None


def find_source(args):
    if args.source:
        source = Path(args.source).expanduser().resolve()
        if odoo_version(source) != 19:
            sys.exit(f"{source} is not an Odoo 19 source tree (odoo/release.py).")
        return source
    checkout = Path(args.checkout).resolve()
    if odoo_version(checkout) == 19:
        return checkout
    repo = os.environ.get("ODOO_REPO", DEFAULT_REPO)
    say(f"Cloning Odoo {BRANCH} from {repo} into {checkout} (once)")
    checkout.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "clone", "--depth", "1", "--branch", BRANCH, repo, str(checkout)],
        check=True,
    )
    if odoo_version(checkout) != 19:
        sys.exit(f"{checkout} does not hold Odoo 19 after cloning {repo}.")
    return checkout


def requirements(source):
    """Odoo's requirements that apply to this Python, as Requirement objects."""
    from packaging.requirements import Requirement  # noqa: PLC0415

    found = []
    for raw in (source / "requirements.txt").read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            found.append(requirement)
    return found


def relaxed(requirement):
    """Specifiers to try, nearest first, when the exact pin does not install."""
    pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
    if not pins:
        return []
    parts = pins[0].split(".")
    same_minor = [f"~={parts[0]}.{parts[1]}.0"] if len(parts) > 2 else []
    return [*same_minor, f">={pins[0]}"]


def install_requirements(source, constraints):
    reqs = requirements(source)
    version = sys.version.split()[0]
    say(f"Installing Odoo's {len(reqs)} requirements for Python {version}")
    if pip("--prefer-binary", *map(str, reqs), constraints=constraints, check=False):
        return []
    say("Some exact pins do not install here: installing them one by one")
    left_out = []
    for requirement in reqs:
        text = str(requirement)
        if pip("--prefer-binary", text, constraints=constraints, check=False):
            continue
        for spec in relaxed(requirement):
            candidate = f"{requirement.name}{spec}"
            if pip("--only-binary", ":all:", candidate, check=False):
                say(f"{text}: installed {candidate} (nearest release with a wheel)")
                break
        else:
            if requirement.name.lower() in OPTIONAL:
                left_out.append(requirement.name)
                print(
                    f"{requirement.name} left out: it needs "
                    f"{OPTIONAL[requirement.name.lower()]}.",
                    file=sys.stderr,
                )
                continue
            sys.exit(f"Could not install {text} nor a release near it.")
    return left_out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", default=os.environ.get("ODOO_SOURCE") or None)
    parser.add_argument("--checkout", default=str(ROOT / "var" / "odoo-src"))
    args = parser.parse_args()
    source = find_source(args)
    say(f"Installing Odoo 19 from {source} into {sys.prefix}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(BUILD_CONSTRAINTS)
        constraints = handle.name
    try:
        pip("--upgrade", "pip", "wheel", "packaging", "setuptools<80")
        install_requirements(source, constraints)
        # an editable install in compat mode puts the tree on sys.path (a
        # .pth file): Odoo reads its addons path from it without warnings
        pip(
            "--no-deps",
            "--config-settings",
            "editable_mode=compat",
            "-e",
            str(source),
            constraints=constraints,
        )
    finally:
        os.unlink(constraints)
    check = subprocess.run(
        [sys.executable, "-c", "import odoo.release as r; print(r.version)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode or not check.stdout.startswith("19."):
        sys.exit(f"Odoo 19 is still not importable: {check.stderr.strip()}")
    say(f"Odoo {check.stdout.strip()} installed")


if __name__ == "__main__":
    main()
