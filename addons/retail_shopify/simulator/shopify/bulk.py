"""Bulk operations: ``bulkOperationRunQuery``, polling and the JSONL file.

A bulk query is validated like Shopify does (one query, one top-level
connection), then moves one step each time it is read (CREATED, RUNNING,
COMPLETED or FAILED; :meth:`BulkOperations.complete_bulk_operations` ends
them all at once). It runs unpaginated and its result is flattened to JSON
lines, each object of a nested connection on its own line with a
``__parentId``; the file is served at ``<base_url>/simulator/bulk/<id>.jsonl``
and ``bulk_operations/finish`` is emitted.
"""

import json
import re
from collections.abc import Mapping

import graphql
from graphql import FieldNode, GraphQLError, OperationType, get_named_type

from odoo.addons.retail_connector_base.simulator import locked

from .engine import _Context, _is_connection, _resolve_field, _resolve_type
from .values import _rest_time, _user_error, legacy_id

_BULK_PATH = re.compile(r"^/simulator/bulk/(?P<id>\d+)\.jsonl$")


class BulkOperations:
    """Bulk query operations and the files of their results."""

    def _bulk_download(self, method, route):
        """The answer to a request for a result file, or None for other routes."""
        match = _BULK_PATH.match(route)
        if not match or method != "GET":
            return None
        content = self._bulk_files.get(int(match["id"]))
        if content is None:
            return self._respond(404, {"errors": "Not Found"})
        return 200, {"Content-Type": "application/jsonl"}, content

    def _q_bulk_operation(self, info, id):
        record = self._typed(id, "BulkOperation")
        if record is not None:
            self._advance_bulk(record)
        return record

    def _q_current_bulk_operation(self, info, type="QUERY"):
        operations = [o for o in self.bulk_operations.values() if o["type"] == type]
        if not operations:
            return None
        self._advance_bulk(operations[-1])
        return operations[-1]

    def _bulk_query_errors(self, query):
        try:
            document = graphql.parse(query)
        except GraphQLError as exc:
            return [exc.message]
        errors = [e.message for e in graphql.validate(self.schema, document)]
        if errors:
            return errors
        operations = [
            d
            for d in document.definitions
            if isinstance(d, graphql.OperationDefinitionNode)
        ]
        if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
            return ["A bulk query must hold exactly one query operation."]
        fields = [
            s
            for s in operations[0].selection_set.selections
            if isinstance(s, FieldNode)
        ]
        if len(fields) != 1:
            return ["A bulk query must select exactly one top-level field."]
        definition = self.schema.query_type.fields[fields[0].name.value]
        if not _is_connection(get_named_type(definition.type)):
            return ["Bulk queries must contain at least one connection."]
        return []

    def _m_bulk_operation_run_query(self, info, query, groupObjects=False):
        errors = self._bulk_query_errors(query)
        if errors:
            return {
                "bulkOperation": None,
                "userErrors": [_user_error(["query"], m, "INVALID") for m in errors],
            }
        for operation in self.bulk_operations.values():
            if operation["type"] == "QUERY" and operation["status"] in (
                "CREATED",
                "RUNNING",
            ):
                return {
                    "bulkOperation": None,
                    "userErrors": [
                        _user_error(
                            None,
                            "A bulk query operation for this app and shop is already "
                            f"in progress: {operation['id']}.",
                            "OPERATION_IN_PROGRESS",
                        )
                    ],
                }
        gid = self._gid("BulkOperation")
        record = {
            "__typename": "BulkOperation",
            "id": gid,
            "type": "QUERY",
            "status": "CREATED",
            "query": query,
            "createdAt": self._stamp(),
            "completedAt": None,
            "errorCode": None,
            "url": None,
            "partialDataUrl": None,
            "fileSize": None,
            "objectCount": "0",
            "rootObjectCount": "0",
        }
        self.bulk_operations[gid] = self._register(record)
        return {"bulkOperation": record, "userErrors": []}

    def _advance_bulk(self, record):
        """One step per read: CREATED -> RUNNING -> COMPLETED (or FAILED)."""
        if record["status"] == "CREATED":
            record["status"] = "RUNNING"
        elif record["status"] == "RUNNING":
            self._run_bulk(record)

    @locked
    def complete_bulk_operations(self):
        """Finish every pending bulk operation at once."""
        for record in self.bulk_operations.values():
            while record["status"] in ("CREATED", "RUNNING"):
                self._advance_bulk(record)

    def _run_bulk(self, record):
        result = graphql.execute_sync(
            self.schema,
            graphql.parse(record["query"]),
            root_value=self._query_root,
            context_value=_Context(bulk=True),
            field_resolver=_resolve_field,
            type_resolver=_resolve_type,
        )
        stamp = self._stamp()
        if result.errors or not result.data:
            record.update(
                status="FAILED", errorCode="INTERNAL_SERVER_ERROR", completedAt=stamp
            )
        else:
            lines, roots = self._jsonl(result.data)
            body = "".join(
                json.dumps(line, separators=(",", ":")) + "\n" for line in lines
            )
            number = legacy_id(record["id"])
            self._bulk_files[number] = body.encode("utf-8")
            record.update(
                status="COMPLETED",
                completedAt=stamp,
                objectCount=str(len(lines)),
                rootObjectCount=str(roots),
                fileSize=str(len(self._bulk_files[number])) if lines else None,
                url=f"{self.base_url}/simulator/bulk/{number}.jsonl" if lines else None,
            )
        self._emit(
            "bulk_operations/finish",
            {
                "admin_graphql_api_id": record["id"],
                "completed_at": _rest_time(record["completedAt"]),
                "created_at": _rest_time(record["createdAt"]),
                "error_code": (record["errorCode"] or "").lower() or None,
                "status": record["status"].lower(),
                "type": "query",
            },
        )

    @staticmethod
    def _connection_items(value):
        if not isinstance(value, Mapping) or not set(value) <= {
            "edges",
            "nodes",
            "pageInfo",
        }:
            return None
        if isinstance(value.get("edges"), list):
            return [edge.get("node") for edge in value["edges"]]
        if isinstance(value.get("nodes"), list):
            return value["nodes"]
        return None

    def _jsonl(self, data):
        """Flatten a bulk result: each object of a connection on its own line."""
        lines = []

        def emit(node, parent_id):
            if not isinstance(node, Mapping):
                return
            line, children = {}, []
            for key, value in node.items():
                items = self._connection_items(value)
                if items is None:
                    line[key] = value
                else:
                    children.append(items)
            if parent_id is not None:
                line["__parentId"] = parent_id
            lines.append(line)
            for items in children:
                for child in items:
                    emit(child, node.get("id"))

        roots = 0
        for value in data.values():
            for node in self._connection_items(value) or []:
                roots += 1
                emit(node, None)
        return lines, roots
