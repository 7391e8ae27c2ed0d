"""The GraphQL operations of the connector, one ``.graphql`` file each."""

import functools
import re
import threading
from pathlib import Path

import graphql
from graphql.language import (
    ExecutableDefinitionNode,
    OperationDefinitionNode,
    OperationType,
)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "graphql"
SUFFIX = ".graphql"
_NAME_RE = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_SENT_TYPES = {OperationType.QUERY: "query", OperationType.MUTATION: "mutation"}


class _Operation:
    """A validated operation file: its text and its operation type."""

    __slots__ = ("text", "type")

    def __init__(self, text, type_):
        self.text = text
        self.type = type_


class OperationStore:
    """Read ``<OperationName>.graphql`` files from a directory.

    Each file must hold exactly one named query or mutation (fragments may
    accompany it) whose name is the file name. Files are read and validated
    once, on first use.
    """

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory else DEFAULT_DIRECTORY
        self._cache = {}
        self._lock = threading.Lock()

    def path(self, name):
        """Path of the file of operation ``name`` (which may not exist)."""
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"{name!r} is not a GraphQL operation name")
        return self.directory / f"{name}{SUFFIX}"

    def names(self):
        """Sorted names of the operation files of the directory."""
        if not self.directory.is_dir():
            return []
        return sorted(
            path.name[: -len(SUFFIX)]
            for path in self.directory.iterdir()
            if path.name.endswith(SUFFIX) and path.is_file()
        )

    def get(self, name):
        """Text of operation ``name``, ready to send."""
        return self._load(name).text

    def operation_type(self, name):
        """``"query"`` or ``"mutation"``."""
        return self._load(name).type

    def validate(self):
        """Load every file of the directory; return their names.

        Raises ValueError naming every file that is not valid.
        """
        names = self.names()
        problems = []
        for name in names:
            try:
                self._load(name)
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("\n".join(problems))
        return names

    def clear(self):
        """Forget what was read (files are read again on next use)."""
        with self._lock:
            self._cache.clear()

    def _load(self, name):
        operation = self._cache.get(name)
        if operation is not None:
            return operation
        path = self.path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(
                f"Unknown GraphQL operation {name!r}: no file {path}"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(
                f"Cannot read GraphQL operation file {path}: {exc}"
            ) from None
        operation = _Operation(text, _parse(text, name, path))
        with self._lock:
            self._cache[name] = operation
        return operation


def _parse(text, name, path):
    """Check the document of ``path`` and return its operation type."""
    try:
        document = graphql.parse(text)
    except graphql.GraphQLError as exc:
        raise ValueError(f"{path} is not valid GraphQL: {exc.message}") from None
    others = [
        d for d in document.definitions if not isinstance(d, ExecutableDefinitionNode)
    ]
    if others:
        raise ValueError(f"{path} must hold one operation, not type system definitions")
    operations = [
        d for d in document.definitions if isinstance(d, OperationDefinitionNode)
    ]
    if len(operations) != 1:
        raise ValueError(
            f"{path} must hold exactly one operation, found {len(operations)}"
        )
    operation = operations[0]
    found = operation.name.value if operation.name else None
    if found != name:
        raise ValueError(
            f"{path} holds operation {found or '(anonymous)'}: "
            f"it must be named {name} like its file"
        )
    kind = _SENT_TYPES.get(operation.operation)
    if kind is None:
        raise ValueError(
            f"{path} holds a {operation.operation.value}: only queries and "
            "mutations are sent"
        )
    return kind


@functools.cache
def default_store():
    """The store of the addon's ``graphql`` directory, shared by all clients."""
    return OperationStore()
