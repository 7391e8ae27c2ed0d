"""Generated requests against the POS and 3PL OpenAPI documents (schemathesis).

A server of the profile runs on a clone of the template: the POS store of
the fixture (its bearer key on every request, its code in every path) and
the 3PL provider (each generated message body signed with its secret, as a
provider signs what it sends). Each operation Odoo serves gets generated
cases, valid ones (what the schema allows) and invalid ones (what it
refuses) alike; every answer is checked by schemathesis: no 5xx, a status
code the document declares, and a body of the declared schema. Nothing
stops at the first failure: every failing case is kept, with the curl
command that replays it.

- POS: ``GET /retail/pos/v1/openapi.json`` as Odoo serves it; operations
  ``postTickets``, ``postCashup``, ``getCatalog``, ``getStock``;
- 3PL: ``addons/retail_3pl/openapi/retail-3pl-v1.json``; the operation
  Odoo serves, ``postMessage`` (the others are the provider's).
"""

import json

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from odoo.addons.retail_3pl.services import signing

from . import fixture
from .harness import ROOT, THREEPL_SECRET, Database, OdooServer, Result

THREEPL_DOCUMENT = ROOT / "addons" / "retail_3pl" / "openapi" / "retail-3pl-v1.json"
#: operations of the documents Odoo answers
POS_OPERATIONS = (
    ("/stores/{store_code}/tickets", "POST"),
    ("/stores/{store_code}/cashups", "POST"),
    ("/stores/{store_code}/catalog", "GET"),
    ("/stores/{store_code}/stock", "GET"),
)
THREEPL_OPERATIONS = (("/retail/3pl/v1/providers/{provider_id}/messages", "POST"),)
#: what an answer must be: no 5xx, a declared status, content type and schema
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _strategy(operation, path_parameters):
    return st.one_of(
        operation.as_strategy(mode, path_parameters=path_parameters)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )


def _body_bytes(case):
    body = case.body
    if isinstance(body, bytes):
        return body
    if body is None or type(body).__name__ == "NotSet":
        return b""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


class ApiRun:
    """Cases sent to one operation, and what went wrong."""

    def __init__(self, label):
        self.label = label
        self.cases = 0
        self.statuses = {}
        self.failures = []

    def record(self, case, response, error):
        self.cases += 1
        self.statuses[response.status_code] = (
            self.statuses.get(response.status_code, 0) + 1
        )
        if error is not None:
            self.failures.append(
                f"{self.label}: {response.status_code} {str(error)[:300]} "
                f"| {case.as_curl_command()[:400]}"
            )


def exercise(operation, path_parameters, base_url, headers_of, cases, run):  # noqa: PLR0917
    """Send ``cases`` generated cases of ``operation``; ``headers_of(body)``
    gives the authentication headers of a body."""
    session = requests.Session()

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, path_parameters))
    def one(case):
        body = _body_bytes(case)
        # the case carries the real credentials: schemathesis's checks then
        # know them (and replay the request without them, expecting a 401)
        case.headers = {**(case.headers or {}), **headers_of(body)}
        headers = dict(case.headers)
        if body:
            headers.setdefault("Content-Type", case.media_type or "application/json")
        response = session.request(
            case.method,
            base_url + case.formatted_path,
            params=case.query,
            data=body or None,
            headers=headers,
            timeout=60,
        )
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failed check is kept
            run.record(case, response, exc)
        else:
            run.record(case, response, None)

    one()


def schemathesis_apis(profile, fdb, workdir):
    cases = profile.api_cases
    result = Result(f"schemathesis: {cases} generated cases per API")
    db = fdb.clone("apis")
    ids = fdb.fixture
    with (
        OdooServer(profile, db, workdir / "apis") as server,
        Database(db) as database,
    ):
        pos_doc = requests.get(
            f"{server.base_url}/retail/pos/v1/openapi.json", timeout=30
        ).json()
        pos_doc["servers"] = [{"url": f"{server.base_url}/retail/pos/v1"}]
        pos_schema = schemathesis.openapi.from_dict(pos_doc)
        threepl_schema = schemathesis.openapi.from_dict(
            json.loads(THREEPL_DOCUMENT.read_text())
        )
        key = ids["pos_key"]
        runs = []
        # cases shared between the operations of an API, in proportion
        per_pos = max(1, cases // len(POS_OPERATIONS))
        for path, method in POS_OPERATIONS:
            run = ApiRun(f"POS {method} {path}")
            exercise(
                pos_schema[path][method],
                {"store_code": fixture.POS_STORE},
                f"{server.base_url}/retail/pos/v1",
                lambda body: {"Authorization": f"Bearer {key}"},
                per_pos,
                run,
            )
            runs.append(run)
        for path, method in THREEPL_OPERATIONS:
            run = ApiRun(f"3PL {method} {path}")
            exercise(
                threepl_schema[path][method],
                {"provider_id": ids["provider_id"]},
                server.base_url,
                lambda body: {signing.HEADER: signing.sign(THREEPL_SECRET, body)},
                cases,
                run,
            )
            runs.append(run)
        events = database.counts(
            "SELECT state, count(*) FROM retail_event GROUP BY state"
        )
    for run in runs:
        result.figures[run.label] = {
            "cases": run.cases,
            "statuses": dict(sorted(run.statuses.items())),
            "failures": len(run.failures),
        }
    result.figures["events stored"] = events
    pos_cases = sum(r.cases for r in runs if r.label.startswith("POS"))
    threepl_cases = sum(r.cases for r in runs if r.label.startswith("3PL"))
    result.check(
        f"at least {cases * 9 // 10} POS cases sent",
        pos_cases >= cases * 9 // 10,
        str(pos_cases),
    )
    result.check(
        f"at least {cases * 9 // 10} 3PL cases sent",
        threepl_cases >= cases * 9 // 10,
        str(threepl_cases),
    )
    failures = [failure for run in runs for failure in run.failures]
    result.check(
        "no 5xx and no schema violation",
        not failures,
        f"{len(failures)} failing: " + " || ".join(failures[:3]),
    )
    return result
