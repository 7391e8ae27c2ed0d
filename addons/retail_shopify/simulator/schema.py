"""Shopify's published Admin GraphQL schema, fetched once and cached on disk.

Shopify publishes the introspection result of each Admin API version in the
npm package named by :data:`PINNED_PACKAGE`. The package is fetched with the
``npm`` client (``npm pack``, no install, no scripts), only the schema file of
the requested version is kept, and later calls read the cached copy.
"""

import functools
import gzip
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import graphql

from ..services.version import API_VERSION

PINNED_PACKAGE = "@shopify/dev-mcp@1.16.0"
CACHE_ENV = "RETAIL_SHOPIFY_SCHEMA_CACHE"
NPM_TIMEOUT = 300
_MEMBER = "package/dist/data/admin_{version}.json.gz"


class SchemaUnavailable(RuntimeError):
    """The schema is neither cached nor obtainable with npm."""


def cache_dir():
    """Directory holding the cached schema files."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "retail-connectors" / "shopify"


def schema_path(version=API_VERSION):
    """Path of the cached schema file of ``version`` (it may not exist yet)."""
    _check_version(version)
    return cache_dir() / f"admin_{version}.json.gz"


def _check_version(version):
    parts = version.split("-") if isinstance(version, str) else []
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(f"not a Shopify API version: {version!r} (e.g. {API_VERSION})")


def _npm_pack(destination):
    npm = shutil.which("npm")
    if not npm:
        raise SchemaUnavailable(
            f"The Shopify Admin schema is not cached in {cache_dir()} and the npm "
            f"client is not installed: install Node.js/npm so that "
            f"{PINNED_PACKAGE} can be fetched, or copy the schema file there."
        )
    command = [
        npm,
        "pack",
        PINNED_PACKAGE,
        "--pack-destination",
        str(destination),
        "--ignore-scripts",
        "--silent",
    ]
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SchemaUnavailable(
            f"npm pack {PINNED_PACKAGE} did not finish within {NPM_TIMEOUT} s."
        ) from exc
    except OSError as exc:
        raise SchemaUnavailable(f"npm could not be run: {exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip()[-2000:]
        raise SchemaUnavailable(
            f"npm pack {PINNED_PACKAGE} failed with exit code "
            f"{result.returncode}: {detail or 'no output'}"
        )
    tarballs = sorted(Path(destination).glob("*.tgz"))
    if len(tarballs) != 1:
        raise SchemaUnavailable(
            f"npm pack {PINNED_PACKAGE} produced {len(tarballs)} tarballs "
            f"in {destination}, expected one."
        )
    return tarballs[0]


def _extract(tarball, version, target):
    member_name = _MEMBER.format(version=version)
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            try:
                member = archive.getmember(member_name)
            except KeyError as exc:
                raise SchemaUnavailable(
                    f"{PINNED_PACKAGE} has no schema for API version {version} "
                    f"({member_name} is missing)."
                ) from exc
            if not member.isfile():
                raise SchemaUnavailable(f"{member_name} is not a regular file.")
            source = archive.extractfile(member)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".part", dir=target.parent
            )
            try:
                with os.fdopen(handle, "wb") as out:
                    shutil.copyfileobj(source, out)
                os.chmod(partial, 0o644)
                os.replace(partial, target)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
    except tarfile.TarError as exc:
        raise SchemaUnavailable(
            f"{tarball.name} is not a readable tarball: {exc}"
        ) from exc


def fetch_schema(version=API_VERSION):
    """Make sure the schema file of ``version`` is cached; return its path."""
    target = schema_path(version)
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="shopify-schema-") as tmpdir:
        tarball = _npm_pack(tmpdir)
        _extract(tarball, version, target)
    return target


@functools.lru_cache(maxsize=8)
def load_schema(version=API_VERSION):
    """The :class:`graphql.GraphQLSchema` of Shopify's Admin API ``version``."""
    path = fetch_schema(version)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            introspection = json.load(handle)
    except (OSError, EOFError, ValueError) as exc:
        raise SchemaUnavailable(
            f"The cached schema {path} is unreadable ({exc}): delete it to fetch "
            "it again."
        ) from exc
    if isinstance(introspection, dict) and "data" in introspection:
        introspection = introspection["data"]
    return graphql.build_client_schema(introspection)
