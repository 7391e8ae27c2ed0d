import json
import secrets

from odoo import api, fields, models
from odoo.exceptions import AccessError

from odoo.addons.retail_connector_base.models.retail_backend_mixin import (
    MANAGER_GROUP,
)
from odoo.addons.retail_connector_base.models.retail_binding_mixin import (
    payload_hash,
)
from odoo.addons.retail_connector_base.services import errors, locks, wait_keys
from odoo.addons.retail_connector_base.services.http_client import HttpClient
from odoo.addons.retail_connector_base.services.signatures import (
    generate_api_key,
    hash_api_key,
)

from ..services.partner_payload import validate_partner


class RetailTestBackend(models.Model):
    """A tiny partner-sync connector: a remote pushes partners to Odoo."""

    _name = "retail.test.backend"
    _inherit = "retail.backend.mixin"
    _description = "Test Connector Backend"
    _retail_source = "test"
    _retail_channel_xmlid = "retail_connector_test.channel_retail_test"

    api_url = fields.Char(
        string="API URL",
        default="https://remote.example.test/api",
        groups="base.group_system",
        help="https only, on a host of the allowed endpoint hosts.",
    )
    webhook_secret = fields.Char(groups=MANAGER_GROUP, copy=False)
    api_key_hash = fields.Char(groups=MANAGER_GROUP, copy=False, readonly=True)
    access_token = fields.Char(groups=MANAGER_GROUP, copy=False)
    binding_ids = fields.One2many("retail.test.partner.binding", "backend_id")
    partners_checkpoint = fields.Datetime(
        string="Partners reconciled until",
        copy=False,
        help="The partners reconciliation reads the partners changed since then.",
    )

    @api.constrains("api_url")
    def _check_api_url(self):
        for backend in self.sudo():
            backend._retail_check_endpoint(backend.api_url)

    def _retail_secrets(self):
        self.ensure_one()
        backend = self.sudo()
        return [s for s in (backend.webhook_secret, backend.access_token) if s]

    def _client(self):
        self.ensure_one()
        backend = self.sudo()
        problem = self._retail_endpoint_problem(backend.api_url)
        if problem:
            raise errors.PermanentError(
                f"The API URL of {self.display_name} cannot be called: {problem}.",
                hint=self.env._(
                    "A system administrator corrects the API URL of the backend."
                ),
            )
        token = backend.access_token or ""
        return HttpClient(
            backend.api_url,
            headers={"Authorization": f"Bearer {token}"},
            rate_limiter=self._retail_rate_limiter(),
            circuit=self._retail_circuit(),
            secrets=self._retail_secrets(),
            journal=self._retail_http_journal(),
        )

    def _retail_test_connection(self):
        data = self._client().json_request("GET", "/ping")
        return f"remote answered {data.get('status', 'ok')}"

    def _set_api_key(self, key):
        """Store the hash of a partner API key (the key itself is not kept)."""
        self.ensure_one()
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only retail managers can set a backend's API key.")
            )
        self.check_access("write")
        self.sudo().write({"api_key_hash": hash_api_key(key)})

    def action_generate_api_key(self):
        """Make a new partner API key, store its hash, show the key once."""
        self.ensure_one()
        key = generate_api_key()
        self._set_api_key(key)
        self.message_post(body=self.env._("A new partner API key was generated."))
        notification = self._retail_notify(
            self.env._("New API key (shown once)"),
            self.env._(
                "Give this key to the partner now, it is not kept: %(key)s", key=key
            ),
            "warning",
        )
        notification["params"]["sticky"] = True
        return notification

    # -- inbound processing -------------------------------------------
    def _retail_process_event(self, event):
        payload = event._load_json()
        if event.topic == "partner/upsert":
            return self._import_partner(event, payload)
        if event.topic == "partner/batch":
            return self._spawn_partners(event, payload)
        if event.topic == "partner/enrich":
            remote = self._client().json_request("GET", f"/partners/{payload['id']}")
            return self._import_partner(event, dict(payload, **remote))
        event._mark_ignored(f"Topic {event.topic!r} is not handled by this connector.")
        return False

    def _spawn_partners(self, event, payload):
        """A batch of partners: one child event per partner version."""
        partners = payload.get("partners")
        if not isinstance(partners, list) or not all(
            isinstance(p, dict) and p.get("id") for p in partners
        ):
            raise errors.PayloadValidationError(
                f"Batch {payload['id']}: 'partners' must be a list of objects with "
                "an id.",
                hint="The sender's document does not follow the contract.",
            )
        event._spawn(
            {
                "topic": "partner/upsert",
                "event_key": f"partner:{p['id']}:{p.get('updated_at') or ''}",
                "payload": p,
                "remote_ref": f"partner:{p['id']}",
            }
            for p in partners
        )
        return False

    def _retail_destructive_topics(self):
        return ("partner/delete",)

    def _retail_event_subject(self, topic, payload):
        if isinstance(payload, dict) and payload.get("id") and topic != "partner/batch":
            return f"partner:{payload['id']}"
        return None

    def _retail_describe_wait(self, key):
        if key.startswith("test-partner:"):
            return f"the remote partner {key.split(':', 1)[1]}"
        return super()._retail_describe_wait(key)

    def _retail_wait_satisfied(self, key):
        if key.startswith("test-partner:"):
            external_id = key.split(":", 1)[1]
            return bool(
                self.env["retail.test.partner.binding"]._retail_get(self, external_id)
            )
        return super()._retail_wait_satisfied(key)

    def _import_partner(self, event, payload):
        partner, outcome = self._apply_partner(payload)
        if outcome == "stale":
            event._mark_ignored("A newer version of this partner was already applied.")
        elif outcome == "unchanged":
            event._mark_ignored("Same content as the version already applied.")
        return partner

    def _apply_partner(self, payload):
        """Create or update the partner of a remote document.

        Return ``(partner, outcome)``, outcome ``"imported"``, ``"stale"``
        (a newer version was applied) or ``"unchanged"`` (same content).
        """
        validate_partner(payload)
        external_id = str(payload["id"])
        locks.advisory_lock(self.env.cr, self._retail_key(), f"partner:{external_id}")
        parent = None
        if payload.get("parent_id"):
            parent_key = wait_keys.make("test-partner", payload["parent_id"])
            parent = self.env["retail.test.partner.binding"]._retail_get(
                self, str(payload["parent_id"])
            )
            if not parent:
                raise errors.MappingError(
                    f"Partner {external_id} belongs to company "
                    f"{payload['parent_id']}, which is not imported yet.",
                    hint="Nothing to do: the partner is imported once its company is.",
                    waits_for=[parent_key],
                )
        Binding = self.env["retail.test.partner.binding"]._retail_importing()
        binding = Binding._retail_get(self, external_id)
        updated_at = payload.get("updated_at")
        if binding and binding._retail_is_stale(updated_at):
            return binding.odoo_id, "stale"
        if binding and binding._retail_is_unchanged(payload):
            return binding.odoo_id, "unchanged"
        name = payload.get("name")
        if not name:
            raise errors.PayloadValidationError(
                f"Partner {external_id} has no name.",
                hint="Give the partner a name in the remote system; the next "
                "update imports it.",
                details={"remote_ref": external_id},
            )
        vals = {"name": name.strip(), "email": payload.get("email") or False}
        if parent:
            vals["parent_id"] = parent.odoo_id.id
        if "phone" in payload:
            vals["phone"] = payload["phone"] or False
        partner = binding.odoo_id.with_env(Binding.env)
        if not partner:
            # a partner Odoo already has (same email, else same phone) is
            # bound, unless another remote partner of this backend has it
            partner = (
                self.env["retail.import.helper"]
                .with_env(Binding.env)
                ._retail_match_partner(
                    self.company_id, email=vals["email"], phone=vals.get("phone")
                )
            )
            if partner and Binding.search_count(
                [("backend_id", "=", self.id), ("odoo_id", "=", partner.id)], limit=1
            ):
                partner = partner.browse()
        if partner:
            partner.write(vals)
        else:
            partner = self.env["res.partner"].with_env(Binding.env).create(vals)
        Binding._retail_bind(self, external_id, partner, payload, updated_at)
        self.env["retail.event"]._release([wait_keys.make("test-partner", external_id)])
        return partner, "imported"

    # -- reconciliation: a sync run of kind "partners" -------------------
    PARTNER_PAGE_SIZE = 100

    def action_reconcile_partners(self):
        """Read the partners changed in the remote since the checkpoint."""
        self.ensure_one()
        self._retail_check_remote_access()
        return self._retail_run_action_start("partners")

    def _retail_run_kinds(self):
        return {**super()._retail_run_kinds(), "partners": self.env._("Partners")}

    def _retail_run_checkpoint_field(self, kind):
        if kind == "partners":
            return "partners_checkpoint"
        return super()._retail_run_checkpoint_field(kind)

    def _retail_run_fetch_page(self, run, cursor):
        """``GET /partners?updated_since=...``: a page and the next cursor."""
        if run.kind != "partners":
            return super()._retail_run_fetch_page(run, cursor)
        params = {
            "updated_since": run.since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "limit": self.PARTNER_PAGE_SIZE,
        }
        if cursor:
            params["cursor"] = cursor
        data = self._client().json_request("GET", "/partners", params=params)
        partners = data.get("partners") if isinstance(data, dict) else None
        if not isinstance(partners, list):
            raise errors.RemoteRejectedError(
                "The remote's partner listing has no list of partners.",
                hint="The remote does not follow the contract: ask its "
                "maintainers, then start the run again.",
            )
        return partners, data.get("next_cursor") or None

    def _retail_run_import_item(self, run, item):
        if run.kind != "partners":
            return super()._retail_run_import_item(run, item)
        if not isinstance(item, dict) or "id" not in item:
            raise errors.PayloadValidationError(
                'A partner of the remote\'s listing has no "id".',
                hint="The remote does not follow the contract: ask its maintainers.",
            )
        _partner, outcome = self._apply_partner(item)
        return "unchanged" if outcome == "stale" else outcome

    # -- outbound ----------------------------------------------------------
    EXPORT_BATCH = 50

    def _retail_export_partners(self):
        """Send the partners changed in Odoo (coalesced export job)."""
        self.ensure_one()
        client = self._client()
        result = self.env["retail.test.partner.binding"]._retail_export_batch(
            self,
            [("sync_state", "=", "outdated")],
            lambda binding: self._send_partner(client, binding),
            kind="partners",
            batch_size=self.EXPORT_BATCH,
            describe=lambda binding, exc: {
                "message": f"Partner {binding.odoo_id.display_name} "
                f"({binding.external_id}) was not sent: {exc}",
                "hint": self.env._(
                    "Correct the partner in Odoo; saving it sends it again."
                ),
                "res_model": "res.partner",
                "res_id": binding.odoo_id.id,
                "remote_ref": binding.external_id,
            },
        )
        return f"{result.sent} of {result.total} partners sent"

    def _send_partner(self, client, binding):
        partner = binding.odoo_id
        document = {"name": partner.name, "email": partner.email or None}
        client.json_request("PUT", f"/partners/{binding.external_id}", json=document)
        binding._retail_mark_synced(payload_hash=payload_hash(document))
        return True

    # -- demo ------------------------------------------------------------
    def _demo_generate_secrets(self):
        """Give the demo backends secrets of their own (none is published)."""
        for backend in self:
            backend.write(
                {
                    "webhook_secret": secrets.token_urlsafe(32),
                    "access_token": secrets.token_urlsafe(32),
                }
            )

    def _demo_populate(self):
        """Deliver a few realistic events so every screen has something."""
        samples = [
            (
                "partner/upsert",
                "demo-1001",
                {
                    "id": "C-1001",
                    "name": "Hill Valley Outfitters",
                    "email": "orders@hillvalley.example",
                    "updated_at": "2026-11-20T09:00:00Z",
                },
            ),
            (
                "partner/upsert",
                "demo-1002",
                {
                    "id": "C-1002",
                    "name": "Twin Pines Retail",
                    "updated_at": "2026-11-20T09:05:00Z",
                },
            ),
            (
                "partner/upsert",
                "demo-1003",
                {"id": "C-1003", "name": "", "updated_at": "2026-11-20T09:10:00Z"},
            ),
            ("catalog/update", "demo-1004", {"id": "SKU-42"}),
        ]
        Event = self.env["retail.event"].sudo()
        for backend in self:
            for topic, key, payload in samples:
                event, created = Event._accept(
                    backend,
                    topic=topic,
                    event_key=key,
                    payload=json.dumps(payload),
                    headers={"X-Test-Topic": topic, "X-Test-Event-Id": key},
                )
                if created:
                    event._process()
            # the sender delivered the first event twice
            Event._accept(
                backend,
                topic="partner/upsert",
                event_key="demo-1001",
                payload=json.dumps(samples[0][2]),
                headers={},
            )
            # one delivery waits for the job runner
            event, created = Event._accept(
                backend,
                topic="partner/upsert",
                event_key="demo-1005",
                payload=json.dumps({"id": "C-1005", "name": "Lyon Estates Store"}),
                headers={},
            )
            if created:
                event._enqueue()
