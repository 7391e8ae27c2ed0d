"""The GraphQL operations of the connector, one ``.graphql`` file each.

An operation file ``graphql/<OperationName>.graphql`` holds one named query
or mutation. The selections several operations share are named fragments,
one per file in ``graphql/fragments/<FragmentName>.graphql``: the store
appends to an operation the fragments it spreads (and those they spread),
each once, so that the text sent is a whole document.
"""

import functools
import re
import threading
from pathlib import Path

import graphql
from graphql.language import (
    ExecutableDefinitionNode,
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    Visitor,
)

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "graphql"
FRAGMENTS = "fragments"
SUFFIX = ".graphql"
_NAME_RE = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
_SENT_TYPES = {OperationType.QUERY: "query", OperationType.MUTATION: "mutation"}


class _Operation:
    """A validated operation: the text sent, its type, the fragments added."""

    __slots__ = ("fragments", "text", "type")

    def __init__(self, text, type_, fragments):
        self.text = text
        self.type = type_
        self.fragments = fragments


class _Fragment:
    """A validated fragment file: its text and the fragments it spreads."""

    __slots__ = ("path", "spreads", "text")

    def __init__(self, text, spreads, path):
        self.text = text
        self.spreads = spreads
        self.path = path


class OperationStore:
    """Read ``<OperationName>.graphql`` files from a directory.

    Each file must hold exactly one named query or mutation (fragments may
    accompany it) whose name is the file name. A fragment it spreads without
    defining it is read from ``fragments/<FragmentName>.graphql``, which must
    hold that one fragment. Files are read and validated once, on first use.
    """

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory else DEFAULT_DIRECTORY
        self.fragments_directory = self.directory / FRAGMENTS
        self._cache = {}
        self._fragments = {}
        self._lock = threading.Lock()

    def path(self, name):
        """Path of the file of operation ``name`` (which may not exist)."""
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"{name!r} is not a GraphQL operation name")
        return self.directory / f"{name}{SUFFIX}"

    def fragment_path(self, name):
        """Path of the file of fragment ``name`` (which may not exist)."""
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(f"{name!r} is not a GraphQL fragment name")
        return self.fragments_directory / f"{name}{SUFFIX}"

    def names(self):
        """Sorted names of the operation files of the directory."""
        return _file_names(self.directory)

    def fragment_names(self):
        """Sorted names of the fragment files."""
        return _file_names(self.fragments_directory)

    def get(self, name):
        """Text of operation ``name`` with the fragments it needs, ready to send."""
        return self._load(name).text

    def operation_type(self, name):
        """``"query"`` or ``"mutation"``."""
        return self._load(name).type

    def fragments(self, name):
        """Names of the fragment files appended to operation ``name``, in order."""
        return self._load(name).fragments

    def validate(self):
        """Load every operation file of the directory; return their names.

        Raises ValueError naming every file that is not valid (an operation,
        or a fragment one of them needs).
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
            self._fragments.clear()

    def _load(self, name):
        operation = self._cache.get(name)
        if operation is not None:
            return operation
        path = self.path(name)
        text = _read(path, f"Unknown GraphQL operation {name!r}: no file {path}")
        document = _parse(text, path)
        kind = _operation_type(document, name, path)
        fragments = self._resolve(document, path)
        if fragments:
            text = "\n\n".join(
                [text.rstrip("\n")] + [f.text.strip("\n") for f in fragments]
            )
            text += "\n"
        operation = _Operation(text, kind, tuple(f.path.stem for f in fragments))
        with self._lock:
            self._cache[name] = operation
        return operation

    def _resolve(self, document, path):
        """The fragment files ``document`` needs, each once, first spread first."""
        defined = {
            d.name.value
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        found = []
        seen = set(defined)

        def add(names, spreader):
            for fragment_name in names:
                if fragment_name in seen:
                    continue
                seen.add(fragment_name)
                fragment = self._fragment(fragment_name, spreader)
                found.append(fragment)
                add(fragment.spreads, fragment.path)

        add(_spreads(document), path)
        return found

    def _fragment(self, name, spreader):
        fragment = self._fragments.get(name)
        if fragment is not None:
            return fragment
        path = self.fragment_path(name)
        text = _read(
            path, f"{spreader} spreads fragment {name}, which has no file {path}"
        )
        document = _parse(text, path)
        definitions = document.definitions
        if len(definitions) != 1 or not isinstance(
            definitions[0], FragmentDefinitionNode
        ):
            raise ValueError(f"{path} must hold exactly one fragment and nothing else")
        found = definitions[0].name.value
        if found != name:
            raise ValueError(
                f"{path} holds fragment {found}: it must be named {name} like its file"
            )
        fragment = _Fragment(text, _spreads(document), path)
        with self._lock:
            self._fragments[name] = fragment
        return fragment


def _file_names(directory):
    if not directory.is_dir():
        return []
    return sorted(
        path.name[: -len(SUFFIX)]
        for path in directory.iterdir()
        if path.name.endswith(SUFFIX) and path.is_file()
    )


def _read(path, missing):
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(missing) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"Cannot read GraphQL file {path}: {exc}") from None


def _parse(text, path):
    try:
        return graphql.parse(text)
    except graphql.GraphQLError as exc:
        raise ValueError(f"{path} is not valid GraphQL: {exc.message}") from None


def _operation_type(document, name, path):
    """Check the operation of the document of ``path``; return its type."""
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


def _spreads(document):
    """Names of the fragments spread in ``document``, in order, each once."""
    names = []

    class Collector(Visitor):
        def enter_fragment_spread(self, node, *_args):
            if node.name.value not in names:
                names.append(node.name.value)

    graphql.visit(document, Collector())
    return names


@functools.cache
def default_store():
    """The store of the addon's ``graphql`` directory, shared by all clients."""
    return OperationStore()
