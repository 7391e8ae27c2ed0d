from pathlib import Path

import responses
from lxml import etree

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger
from odoo.tools.misc import file_path

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.signatures import verify_api_key

from .common import SECRET, RetailHttpCase, RetailTestCase

API = "https://remote.example.test/api"


class TestSyncExceptionAccess(RetailTestCase):
    def setUp(self):
        super().setUp()
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        self.exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(len(self.exc), 1)

    def test_user_changes_state_and_assignee_only(self):
        as_user = self.exc.with_user(self.user)
        as_user.write({"user_id": self.user.id, "state": "ignored"})
        self.assertEqual(self.exc.user_id, self.user)
        for vals in (
            {"job_uuid": "x"},
            {"res_model": "res.users", "res_id": 1},
            {"backend_model": "retail.test.backend", "backend_id": 999},
            {"event_id": False},
            {"payload_excerpt": "x"},
        ):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_user.write(vals)
        self.exc.with_user(self.manager).write({"remote_ref": "C-9"})
        self.assertEqual(self.exc.remote_ref, "C-9")

    def test_user_ignores_and_reopens(self):
        as_user = self.exc.with_user(self.user)
        as_user.action_ignore()
        self.assertEqual(self.exc.state, "ignored")
        as_user.action_reopen()
        self.assertEqual(self.exc.state, "open")

    def test_retry_never_requeues_a_job_outside_the_retail_channels(self):
        job = (
            self.env["res.partner"]
            .with_delay(channel="root")
            .search_count([("id", "=", self.user.partner_id.id)])
        )
        record = self.env["queue.job"].search([("uuid", "=", job.uuid)])
        self.env.cr.execute(
            "UPDATE queue_job SET state = 'failed' WHERE id = %s", [record.id]
        )
        record.invalidate_recordset()
        self.exc.write({"event_id": False, "job_uuid": job.uuid})
        with self.assertRaisesRegex(UserError, "no longer exists"):
            self.exc.with_user(self.user).action_retry()
        self.assertEqual(record.state, "failed")

    def test_raw_payloads_are_for_managers(self):
        event = self.exc.event_id
        for record, field in (
            (event, "payload"),
            (event, "headers"),
            (event, "headers_text"),
            (self.exc, "payload_excerpt"),
        ):
            with self.subTest(field=field):
                with self.assertRaises(AccessError):
                    record.with_user(self.user).read([field])
                self.assertNotIn(field, record.with_user(self.user).fields_get())
                self.assertIn(field, record.with_user(self.manager).fields_get())
        self.assertTrue(event.with_user(self.manager).payload)
        for model in ("retail.event", "retail.sync.exception"):
            views = (
                self.env[model]
                .with_user(self.user)
                .get_views([(False, "form"), (False, "search")])["views"]
            )
            for view in views.values():
                for field in ("payload", "headers_text", "payload_excerpt"):
                    self.assertNotIn(f'name="{field}"', view["arch"])

    def test_user_sees_only_the_jobs_of_the_retail_channels(self):
        other = self.env["res.partner"].with_delay(channel="root").search_count([])
        event, _c = self.accept(self.partner_payload(external_id="C-7"), key="evt-7")
        event._enqueue()
        Job = self.env["queue.job"].with_user(self.user)
        seen = Job.search([("uuid", "in", [other.uuid, event.job_uuid])])
        self.assertEqual(seen.mapped("uuid"), [event.job_uuid])
        self.assertEqual(
            self.env["queue.job"]
            .with_user(self.manager)
            .search_count([("uuid", "=", other.uuid)]),
            1,
        )


class TestRemoteActionsNeedWriteAccess(RetailTestCase):
    @responses.activate(assert_all_requests_are_fired=False)
    def test_user_actions_send_nothing(self):
        responses.get(f"{API}/ping", json={"status": "ok"})
        responses.get(f"{API}/partners", json={"partners": []})
        circuit = self.backend._retail_circuit()
        for _i in range(self.backend.circuit_threshold):
            circuit.failure()
        as_user = self.backend.with_user(self.user)
        runs = self.env["retail.sync.run"].search_count([])
        for action in (
            "action_test_connection",
            "action_reset_circuit",
            "action_reconcile_partners",
            "action_generate_api_key",
        ):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(as_user, action)()
        self.assertEqual(len(responses.calls), 0)
        self.assertEqual(self.backend.circuit_state, "open")
        self.assertEqual(self.env["retail.sync.run"].search_count([]), runs)
        self.assertFalse(self.backend.api_key_hash)

    @responses.activate
    def test_manager_tests_the_connection(self):
        responses.get(f"{API}/ping", json={"status": "ok"})
        action = self.backend.with_user(self.manager).action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(len(responses.calls), 1)

    def test_manager_gets_a_new_api_key_once(self):
        action = self.backend.with_user(self.manager).action_generate_api_key()
        key = action["params"]["message"].rsplit(" ", 1)[-1]
        self.assertTrue(verify_api_key(key, self.backend.api_key_hash))
        self.assertNotIn(key, self.backend.api_key_hash)


@tagged("post_install", "-at_install")
class TestApiKeyOverRpc(RetailHttpCase):
    @mute_logger("odoo.http")
    def call(self, login, method, *args):
        self.authenticate(login, login)
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "retail.test.backend",
                "method": method,
                "args": [[self.backend.id], *args],
                "kwargs": {},
            },
        )

    def test_nobody_sets_a_key_of_their_choice_remotely(self):
        portal = new_test_user(
            self.env, login="retail_portal", groups="base.group_portal"
        )
        for login in (portal.login, self.user.login, self.manager.login):
            for method in ("set_api_key", "_set_api_key"):
                with (
                    self.subTest(login=login, method=method),
                    self.assertRaises(JsonRpcException),
                ):
                    self.call(login, method, "chosen-by-the-caller")
        self.assertFalse(self.backend.api_key_hash)

    def test_user_cannot_generate_a_key(self):
        with self.assertRaises(JsonRpcException):
            self.call(self.user.login, "action_generate_api_key")
        self.assertFalse(self.backend.api_key_hash)


class TestEndpointAllowList(RetailTestCase):
    def setUp(self):
        super().setUp()
        self.params = self.env["ir.config_parameter"].sudo()
        self.params.set_param("retail_connector_base.allow_simulator_endpoints", False)

    def test_only_https_on_allowed_hosts(self):
        for url in (
            "http://remote.example.test/api",
            "https://169.254.169.254/latest/meta-data",
            "https://remote.example.test/api",
            "file:///etc/passwd",
        ):
            with self.subTest(url=url), self.assertRaises(ValidationError):
                self.backend.api_url = url
        self.params.set_param(
            "retail_connector_base.allowed_endpoint_hosts", "*.example.test"
        )
        self.backend.api_url = "https://remote.example.test/v2"
        self.assertEqual(self.backend.api_url, "https://remote.example.test/v2")

    def test_simulators_need_the_parameter(self):
        with self.assertRaises(ValidationError):
            self.backend.api_url = "http://127.0.0.1:8999/api"
        self.params.set_param("retail_connector_base.allow_simulator_endpoints", "1")
        self.backend.api_url = "http://127.0.0.1:8999/api"

    def test_a_refused_url_is_never_called(self):
        self.env.cr.execute(
            "UPDATE retail_test_backend SET api_url = %s WHERE id = %s",
            ("http://169.254.169.254/api", self.backend.id),
        )
        self.backend.invalidate_recordset()
        with self.assertRaisesRegex(errors.PermanentError, "cannot be called"):
            self.backend._client()

    def test_only_system_administrators_change_the_url(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.manager).write(
                {"api_url": "https://other.example.test"}
            )
        self.assertNotIn("api_url", self.backend.with_user(self.manager).fields_get())


CREDENTIAL_FIELDS = {"access_token", "client_secret", "webhook_secret", "api_key_hash"}


def published_credentials(addon):
    """Credential fields given a value in an addon's demo files."""
    demo = Path(file_path(f"{addon}/demo"))
    return [
        (path.name, node.get("name"))
        for path in sorted(demo.glob("*.xml"))
        for node in etree.parse(str(path)).iter("field")
        if node.get("name") in CREDENTIAL_FIELDS and (node.text or "").strip()
    ]


class TestDemoSecrets(RetailTestCase):
    def test_demo_files_publish_no_secret(self):
        self.assertEqual(published_credentials("retail_connector_test"), [])

    def test_demo_secrets_are_made_per_database(self):
        other = self.backend.copy({"name": "Other feed"})
        backends = self.backend | other
        backends._demo_generate_secrets()
        values = [
            (b.webhook_secret, b.access_token) for b in backends.with_user(self.manager)
        ]
        flat = [v for pair in values for v in pair]
        self.assertEqual(len(set(flat)), 4)
        self.assertTrue(all(len(v) >= 32 for v in flat))
        self.assertNotIn(SECRET, flat)
