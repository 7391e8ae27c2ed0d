from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.models.retail_binding_mixin import (
    NO_EXPORT_KEY,
)
from odoo.addons.retail_connector_base.services import errors

from ..models import shopify_backend_products
from ..services.graphql_client import ShopifyGraphQLClient, gid_to_id
from .common import ShopifyTestMixin


class TestProductExport(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.backend.export_products = True
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        Template = cls.env["product.template"]
        cls.tote = Template.create(
            {
                "name": "Canvas tote",
                "default_code": "TOTE-CNV",
                "barcode": "0012345000017",
                "list_price": 18.5,
                "type": "consu",
                "is_storable": True,
                "description_sale": "Sturdy canvas & leather handles.",
                "description": "<p>Supplier: ACME (internal)</p>",
            }
        )
        color = cls.env["product.attribute"].create(
            {
                "name": "Color",
                "value_ids": [(0, 0, {"name": "Sand"}), (0, 0, {"name": "Navy"})],
            }
        )
        cls.apron = Template.create(
            {
                "name": "Linen apron",
                "list_price": 39.0,
                "type": "consu",
                "attribute_line_ids": [
                    (
                        0,
                        0,
                        {
                            "attribute_id": color.id,
                            "value_ids": [(6, 0, color.value_ids.ids)],
                        },
                    )
                ],
            }
        )
        cls.navy_value = (
            cls.apron.attribute_line_ids.product_template_value_ids.filtered(
                lambda v: v.name == "Navy"
            )
        )
        cls.navy_value.price_extra = 3.0
        for variant in cls.apron.product_variant_ids:
            value = variant.product_template_attribute_value_ids.name
            variant.default_code = f"APRON-{value.upper()[:3]}"
        cls.sand = cls.apron.product_variant_ids.filtered(
            lambda v: v.default_code == "APRON-SAN"
        )
        cls.navy = cls.apron.product_variant_ids - cls.sand

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        location = self.sim.add_location("Main warehouse")
        self.backend.write(
            {
                "location_ids": [
                    (
                        0,
                        0,
                        {
                            "name": "Main warehouse",
                            "external_id": location,
                            "warehouse_id": self.warehouse.id,
                        },
                    )
                ]
            }
        )
        self.Binding = self.env["shopify.product.template"]
        self.VariantBinding = self.env["shopify.product.variant"]

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def publish(self, *templates):
        for template in templates:
            template.shopify_backend_ids = [(4, self.backend.id)]
        return self.export()

    def export(self):
        return self.backend._retail_export_job("products")

    @staticmethod
    def product_jobs(trap):
        """Product export jobs queued (stock publication jobs left out)."""
        return sum(
            1
            for job in trap.enqueued_jobs
            if job.method_name == "_retail_export_job" and job.args == ("products",)
        )

    def product_sets(self):
        return [c for c in self.sim.calls if c.operation == "ProductSet"]

    def binding(self, template):
        return self.Binding.search(
            [("backend_id", "=", self.backend.id), ("odoo_id", "=", template.id)]
        )

    def remote(self, template):
        return self.sim.product_summary(self.binding(template).external_id)

    def edit_in_shopify(self, template, **data):
        """A change made by someone in the Shopify admin (not by Odoo)."""
        client = ShopifyGraphQLClient(
            self.backend.shop_domain,
            self.backend.sudo().access_token,
            session=self.backend._shopify_session(),
        )
        client.mutate(
            "ProductSet",
            {"identifier": {"id": self.binding(template).external_id}, "input": data},
            result_key="productSet",
        )
        return self.last_webhook("products/update")

    def last_webhook(self, topic):
        return [w for w in self.sim.outbox if w.topic == topic][-1].payload

    def receive(self, topic, payload, key):
        event = self.deliver(topic, payload, event_id=key)
        event._process()
        return event

    def exceptions(self, template):
        return self.Exception.search(
            [
                ("res_model", "=", "product.template"),
                ("res_id", "=", template.id),
                ("state", "=", "open"),
            ]
        )

    # ------------------------------------------------------------------
    # export
    # ------------------------------------------------------------------
    def test_export_creates_one_shopify_product_per_template(self):
        with trap_jobs() as trap:
            self.tote.shopify_backend_ids = [(4, self.backend.id)]
            self.apron.shopify_backend_ids = [(4, self.backend.id)]
            self.assertEqual(self.product_jobs(trap), 1)
        self.assertEqual(self.binding(self.tote).sync_state, "pending")
        self.assertEqual(self.tote.shopify_product_state, "pending")
        result = self.export()
        self.assertIn("2 product(s) sent", result)
        self.assertEqual(len(self.product_sets()), 2)
        self.assertEqual(len(self.sim.products), 2)

        tote = self.remote(self.tote)
        self.assertEqual(tote["title"], "Canvas tote")
        self.assertEqual(tote["status"], "ACTIVE")
        self.assertEqual(tote["handle"], f"canvas-tote-{self.tote.id}")
        self.assertEqual(
            [(v["sku"], v["barcode"], v["price"]) for v in tote["variants"]],
            [("TOTE-CNV", "0012345000017", "18.50")],
        )
        description = self.sim.products[tote["id"]]["descriptionHtml"]
        self.assertEqual(description, "<p>Sturdy canvas &amp; leather handles.</p>")
        options = self.sim.products[tote["id"]]["_options"]
        self.assertEqual(
            [(o["name"], o["values"]) for o in options], [("Title", ["Default Title"])]
        )

        apron = self.remote(self.apron)
        self.assertEqual(
            sorted((v["sku"], v["price"]) for v in apron["variants"]),
            [("APRON-NAV", "42.00"), ("APRON-SAN", "39.00")],
        )
        options = self.sim.products[apron["id"]]["_options"]
        self.assertEqual([o["name"] for o in options], ["Color"])
        self.assertEqual(sorted(options[0]["values"]), ["Navy", "Sand"])

        binding = self.binding(self.apron)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.remote_status, "ACTIVE")
        self.assertTrue(
            binding.admin_url.endswith(f"/products/{gid_to_id(apron['id'])}")
        )
        self.assertEqual(self.apron.shopify_product_state, "synced")
        variants = self.VariantBinding.search([("product_gid", "=", apron["id"])])
        self.assertEqual(variants.odoo_id, self.apron.product_variant_ids)
        navy = variants.filtered(lambda b: b.odoo_id == self.navy)
        remote_navy = next(v for v in apron["variants"] if v["sku"] == "APRON-NAV")
        self.assertEqual(navy.external_id, remote_navy["id"])
        self.assertEqual(navy.inventory_item_gid, remote_navy["inventoryItem"]["id"])
        self.assertEqual(self.navy.shopify_sync_state, "synced")
        # a storable product's stock is published at the mapped location
        levels = self.env["shopify.inventory.level"].search(
            [("variant_binding_id.odoo_id", "=", self.tote.product_variant_id.id)]
        )
        self.assertEqual(len(levels), 1)
        self.assertTrue(levels.dirty)

    def test_unchanged_products_are_not_sent_again(self):
        self.publish(self.tote, self.apron)
        sent = len(self.product_sets())
        self.tote.write({"name": "Canvas tote"})  # same value: marked, not sent
        self.assertEqual(self.binding(self.tote).sync_state, "outdated")
        result = self.export()
        self.assertIn("0 product(s) sent to Shopify, 1 unchanged", result)
        self.assertEqual(len(self.product_sets()), sent)
        self.assertEqual(self.binding(self.tote).sync_state, "synced")
        self.backend.action_export_products()
        self.export()
        self.assertEqual(len(self.product_sets()), sent)

    def test_price_changes_are_sent_again(self):
        self.publish(self.apron)
        before = self.remote(self.apron)
        with trap_jobs() as trap:
            self.navy_value.price_extra = 5.0
            self.assertEqual(self.product_jobs(trap), 1)
        self.assertEqual(self.binding(self.apron).sync_state, "outdated")
        self.export()
        after = self.remote(self.apron)
        self.assertEqual(
            sorted((v["sku"], v["price"]) for v in after["variants"]),
            [("APRON-NAV", "44.00"), ("APRON-SAN", "39.00")],
        )
        # the same product and variants were updated, nothing duplicated
        self.assertEqual(len(self.sim.products), 1)
        self.assertEqual(
            {v["id"] for v in after["variants"]}, {v["id"] for v in before["variants"]}
        )
        variables = self.product_sets()[-1].variables
        self.assertEqual(variables["identifier"], {"id": after["id"]})
        self.assertTrue(all("id" in v for v in variables["input"]["variants"]))

        self.apron.list_price = 40.0
        self.export()
        prices = sorted(v["price"] for v in self.remote(self.apron)["variants"])
        self.assertEqual(prices, ["40.00", "45.00"])

    def test_status_follows_odoo(self):
        self.publish(self.tote)
        self.tote.sale_ok = False
        self.export()
        self.assertEqual(self.remote(self.tote)["status"], "DRAFT")
        self.tote.sale_ok = True
        self.tote.shopify_backend_ids = [(3, self.backend.id)]
        self.export()
        self.assertEqual(self.remote(self.tote)["status"], "ARCHIVED")
        self.assertEqual(self.binding(self.tote).remote_status, "ARCHIVED")
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        self.export()
        self.assertEqual(self.remote(self.tote)["status"], "ACTIVE")
        self.tote.action_archive()
        self.export()
        self.assertEqual(self.remote(self.tote)["status"], "ARCHIVED")
        # archived: its variant is still there in Shopify
        self.assertEqual(len(self.remote(self.tote)["variants"]), 1)

    def test_archived_variant_is_removed_from_shopify(self):
        self.publish(self.apron)
        gid = self.binding(self.apron).external_id
        self.navy.action_archive()
        self.export()
        self.assertEqual(
            [v["sku"] for v in self.sim.product_summary(gid)["variants"]],
            ["APRON-SAN"],
        )
        self.assertFalse(self.navy.shopify_variant_ids)
        self.assertTrue(self.sand.shopify_variant_ids)

    def test_user_error_becomes_an_exception_naming_the_product(self):
        self.tote.list_price = -5.0
        self.publish(self.tote, self.apron)
        binding = self.binding(self.tote)
        self.assertEqual(binding.sync_state, "error")
        self.assertEqual(self.binding(self.apron).sync_state, "synced")
        exc = self.exceptions(self.tote)
        self.assertEqual(len(exc), 1)
        self.assertEqual(exc.flow, "outbound")
        self.assertEqual(exc.category, "remote_rejected")
        self.assertIn("Canvas tote", exc.message)
        self.assertIn("sales price", exc.message)
        self.assertIn("Price is invalid", exc.message)
        self.assertIn("sales price", exc.hint)
        self.assertEqual(exc.record_ref, self.tote)
        self.assertIn("sales price", binding.last_error)
        # the clerk corrects the price: it is sent and the exception closed
        self.tote.list_price = 18.5
        self.assertEqual(binding.sync_state, "outdated")
        self.export()
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(exc.state, "resolved")

    def test_retry_of_an_exception_sends_the_product_again(self):
        self.tote.list_price = -5.0
        self.publish(self.tote)
        exc = self.exceptions(self.tote)
        with trap_jobs() as trap:
            exc.with_user(self.user).action_retry()
            self.assertEqual(self.product_jobs(trap), 1)
        self.assertEqual(self.binding(self.tote).sync_state, "outdated")

    def test_too_many_attributes_is_a_mapping_exception(self):
        Attribute = self.env["product.attribute"]
        lines = []
        for name in ("Size", "Fabric", "Fit", "Pocket"):
            attribute = Attribute.create(
                {
                    "name": name,
                    "value_ids": [(0, 0, {"name": "A"}), (0, 0, {"name": "B"})],
                }
            )
            lines.append(
                (
                    0,
                    0,
                    {
                        "attribute_id": attribute.id,
                        "value_ids": [(6, 0, attribute.value_ids.ids)],
                    },
                )
            )
        shirt = self.env["product.template"].create(
            {"name": "Work shirt", "attribute_line_ids": lines}
        )
        self.publish(shirt)
        exc = self.exceptions(shirt)
        self.assertEqual(exc.category, "mapping")
        self.assertIn("Work shirt", exc.message)
        self.assertIn("4 attributes", exc.message)
        self.assertFalse(self.product_sets())

    def test_import_writes_are_not_exported(self):
        self.publish(self.tote)
        with trap_jobs() as trap:
            self.tote.with_context(**{NO_EXPORT_KEY: True}).list_price = 30.0
            self.tote.product_variant_id.with_context(
                **{NO_EXPORT_KEY: True}
            ).barcode = "0012345000024"
            trap.assert_jobs_count(0)
        self.assertEqual(self.binding(self.tote).sync_state, "synced")

    def test_export_off_sends_nothing(self):
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        self.backend.export_products = False
        self.assertIn("off", self.export())
        self.assertFalse(self.product_sets())
        self.assertEqual(self.binding(self.tote).sync_state, "pending")

    def test_batches_continue_in_a_new_job(self):
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        self.apron.shopify_backend_ids = [(4, self.backend.id)]
        with (
            patch.object(shopify_backend_products, "PRODUCT_BATCH", 1),
            trap_jobs() as trap,
        ):
            self.export()
            self.assertEqual(self.product_jobs(trap), 1)
        states = {self.binding(t).sync_state for t in (self.tote, self.apron)}
        self.assertEqual(states, {"synced", "pending"})

    def test_transient_errors_retry_the_job_or_keep_what_was_sent(self):
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        self.apron.shopify_backend_ids = [(4, self.backend.id)]
        self.sim.fail_next(1, status=503)
        with self.assertRaises(RetryableJobError):
            self.export()
        self.assertFalse(self.sim.products)
        # a failure after the first product: the first stays sent
        original = ShopifyGraphQLClient.mutate
        calls = []

        def flaky(client, operation, variables=None, *, result_key):
            calls.append(operation)
            if len(calls) == 2:
                raise errors.RemoteUnavailableError("read timeout")
            return original(client, operation, variables, result_key=result_key)

        with (
            patch.object(ShopifyGraphQLClient, "mutate", flaky),
            trap_jobs() as trap,
        ):
            result = self.export()
            self.assertEqual(self.product_jobs(trap), 1)
        self.assertIn("interrupted", result)
        states = {self.binding(t).sync_state for t in (self.tote, self.apron)}
        self.assertEqual(states, {"synced", "pending"})
        self.export()
        self.assertEqual(len(self.sim.products), 2)

    def test_product_deleted_while_its_webhook_was_missed(self):
        self.publish(self.tote)
        gid = self.binding(self.tote).external_id
        self.sim.delete_product(gid, notify=False)
        self.tote.list_price = 19.0
        self.export()
        self.assertFalse(self.binding(self.tote))
        self.assertIn("deleted in Shopify", self.exceptions(self.tote).message)

    def test_linked_product_is_updated_not_duplicated(self):
        existing = self.sim.add_product(
            "Tote (old title)",
            variants=[{"sku": "TOTE-CNV", "price": "15.00"}],
        )
        self.backend._shopify_link_variants(
            [
                {
                    "id": existing["id"],
                    "__children": [
                        dict(existing["variants"][0], __parentId=existing["id"])
                    ],
                }
            ]
        )
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        # a change of that product reported before Odoo's first export ends
        payload = {
            "id": gid_to_id(existing["id"]),
            "title": "Tote (old title)",
            "handle": existing["handle"],
            "status": "active",
            "updated_at": "2026-05-04T10:00:00Z",
            "variants": [],
        }
        event = self.receive("products/update", payload, "linked")
        self.assertEqual(event.state, "ignored")
        self.assertIn("first export", event.reason)
        self.export()
        self.assertEqual(len(self.sim.products), 1)
        self.assertEqual(self.binding(self.tote).external_id, existing["id"])
        remote = self.sim.product_summary(existing["id"])
        self.assertEqual(remote["title"], "Canvas tote")
        self.assertEqual(remote["variants"][0]["id"], existing["variants"][0]["id"])
        self.assertEqual(remote["variants"][0]["price"], "18.50")

    # ------------------------------------------------------------------
    # products/update
    # ------------------------------------------------------------------
    def test_echo_of_our_export_is_ignored(self):
        self.publish(self.tote)
        self.tote.list_price = 20.0
        self.export()
        payload = self.last_webhook("products/update")
        self.assertEqual(payload["variants"][0]["price"], "20.00")
        event = self.receive("products/update", payload, "echo")
        self.assertEqual(event.state, "ignored")
        self.assertIn("Echo", event.reason)
        self.assertEqual(self.binding(self.tote).sync_state, "synced")

    def test_echo_of_a_creation_in_progress_is_ignored(self):
        self.tote.shopify_backend_ids = [(4, self.backend.id)]
        payload = {
            "id": 99,
            "title": "Canvas tote",
            "handle": self.binding(self.tote).handle,
            "status": "active",
            "updated_at": "2026-05-04T10:00:00Z",
            "variants": [{"id": 98, "sku": "TOTE-CNV", "price": "18.50"}],
        }
        event = self.receive("products/update", payload, "creating")
        self.assertEqual(event.state, "ignored")
        self.assertIn("first export", event.reason)
        self.assertFalse(self.tote.product_variant_id.shopify_variant_ids)

    def test_change_made_in_shopify_is_overwritten(self):
        self.publish(self.tote)
        variant_gid = self.remote(self.tote)["variants"][0]["id"]
        payload = self.edit_in_shopify(
            self.tote,
            title="Tote SALE",
            variants=[
                {
                    "id": variant_gid,
                    "price": "9.99",
                    "optionValues": [{"optionName": "Title", "name": "Default Title"}],
                }
            ],
        )
        with trap_jobs() as trap:
            event = self.receive("products/update", payload, "foreign")
            self.assertEqual(self.product_jobs(trap), 1)
        self.assertEqual(event.state, "done", event.error)
        binding = self.binding(self.tote)
        self.assertEqual(binding.sync_state, "outdated")
        note = self.tote.message_ids[:1].body
        self.assertIn("Tote SALE", note)
        self.assertIn("9.99 in Shopify, 18.50 in Odoo", note)
        sent = len(self.product_sets())
        self.export()
        self.assertEqual(len(self.product_sets()), sent + 1)
        remote = self.remote(self.tote)
        self.assertEqual(remote["title"], "Canvas tote")
        self.assertEqual(remote["variants"][0]["price"], "18.50")
        # its echo is recognised in turn
        echo = self.receive(
            "products/update", self.last_webhook("products/update"), "echo-2"
        )
        self.assertEqual(echo.state, "ignored")

    def test_change_in_shopify_while_odoo_sends_its_own(self):
        self.publish(self.tote)
        self.tote.list_price = 20.0  # export due
        payload = self.edit_in_shopify(self.tote, title="Tote SALE")
        with trap_jobs() as trap:
            event = self.receive("products/update", payload, "crossing")
            trap.assert_jobs_count(0)
        self.assertEqual(event.state, "ignored")
        self.assertIn("being sent", event.reason)
        self.export()
        self.assertEqual(self.remote(self.tote)["title"], "Canvas tote")

    def test_change_of_fields_odoo_does_not_own_is_kept(self):
        self.publish(self.tote)
        payload = self.edit_in_shopify(self.tote, tags=["summer"], vendor="ACME")
        with trap_jobs() as trap:
            event = self.receive("products/update", payload, "tags")
            trap.assert_jobs_count(0)
        self.assertEqual(event.state, "ignored")
        self.assertIn("No field Odoo owns", event.reason)
        self.assertEqual(
            self.sim.products[self.remote(self.tote)["id"]]["tags"], ["summer"]
        )

    def test_unknown_product_variants_are_linked_by_sku(self):
        mug = self.env["product.product"].create(
            {"name": "Mug", "default_code": "MUG-STONE", "type": "consu"}
        )
        payload = {
            "id": 5001,
            "title": "Stoneware mug",
            "handle": "stoneware-mug",
            "status": "active",
            "updated_at": "2026-05-04T10:00:00Z",
            "variants": [
                {
                    "id": 5002,
                    "sku": "MUG-STONE",
                    "price": "14.00",
                    "inventory_item_id": 5003,
                }
            ],
        }
        event = self.receive("products/update", payload, "mug")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(
            mug.shopify_variant_ids.external_id, "gid://shopify/ProductVariant/5002"
        )
        self.assertEqual(
            mug.shopify_variant_ids.inventory_item_gid,
            "gid://shopify/InventoryItem/5003",
        )
        payload["variants"][0]["sku"] = "NOPE"
        payload["variants"][0]["id"] = 5004
        other = self.receive("products/update", payload, "nope")
        self.assertEqual(other.state, "ignored")
        self.assertIn("not published from Odoo", other.reason)

    def test_malformed_update_fails_naming_the_field(self):
        event = self.receive("products/update", {"id": 1, "title": "X"}, "bad")
        self.assertEqual(event.state, "failed")
        self.assertIn("status", event.error)
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "validation")

    # ------------------------------------------------------------------
    # products/delete
    # ------------------------------------------------------------------
    def test_deletion_in_shopify_unbinds_and_raises_an_exception(self):
        self.publish(self.tote)
        gid = self.binding(self.tote).external_id
        variant = self.tote.product_variant_id
        self.assertTrue(
            self.env["shopify.inventory.level"].search_count(
                [("variant_binding_id.odoo_id", "=", variant.id)]
            )
        )
        self.sim.delete_product(gid)
        payload = self.last_webhook("products/delete")
        self.assertEqual(payload, {"id": gid_to_id(gid)})
        event = self.receive("products/delete", payload, "deleted")
        self.assertEqual(event.state, "done", event.error)
        self.assertFalse(self.binding(self.tote))
        self.assertFalse(variant.shopify_variant_ids)
        self.assertFalse(
            self.env["shopify.inventory.level"].search_count(
                [("variant_binding_id.odoo_id", "=", variant.id)]
            )
        )
        exc = self.exceptions(self.tote)
        self.assertEqual(len(exc), 1)
        self.assertIn("deleted in Shopify", exc.message)
        self.assertIn("Canvas tote", exc.message)
        self.assertIn("Export products", exc.hint)
        # an edit in Odoo does not bring it back by itself
        self.tote.list_price = 21.0
        self.assertFalse(self.binding(self.tote))
        # Export products publishes it again, as a new Shopify product
        self.backend.action_export_products()
        self.export()
        self.assertEqual(len(self.sim.products), 1)
        self.assertNotEqual(self.binding(self.tote).external_id, gid)
        self.assertEqual(exc.state, "resolved")

    def test_deletion_of_a_withdrawn_product_is_no_problem(self):
        self.publish(self.tote)
        gid = self.binding(self.tote).external_id
        self.tote.shopify_backend_ids = [(3, self.backend.id)]
        self.export()
        self.sim.delete_product(gid)
        event = self.receive(
            "products/delete", self.last_webhook("products/delete"), "withdrawn"
        )
        self.assertEqual(event.state, "done", event.error)
        self.assertFalse(self.binding(self.tote))
        self.assertFalse(self.exceptions(self.tote))
        self.assertIn("deleted", self.tote.message_ids[:1].body)

    def test_deletion_of_an_unknown_product_is_ignored(self):
        event = self.receive("products/delete", {"id": 123456}, "unknown")
        self.assertEqual(event.state, "ignored")
        self.assertIn("not linked", event.reason)

    # ------------------------------------------------------------------
    # access
    # ------------------------------------------------------------------
    def test_access_rights(self):
        self.publish(self.tote)
        as_user = self.binding(self.tote).with_user(self.user)
        self.assertEqual(as_user.sync_state, "synced")
        self.assertEqual(self.tote.with_user(self.user).shopify_product_state, "synced")
        with self.assertRaises(AccessError):
            as_user.write({"sync_state": "outdated"})
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user).read(["access_token"])
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user).write({"export_products": False})
        # a product user without Shopify rights still sees the status
        stock_user = new_test_user(
            self.env,
            login="stock_only",
            groups="base.group_user,stock.group_stock_user",
        )
        self.assertEqual(
            self.tote.with_user(stock_user).shopify_product_state, "synced"
        )
        variant = self.tote.product_variant_id.with_user(stock_user)
        self.assertEqual(variant.shopify_sync_state, "synced")
        self.assertEqual(
            variant.action_open_shopify_admin()["type"], "ir.actions.act_url"
        )
        as_manager = self.binding(self.tote).with_user(self.manager)
        as_manager.write({"sync_state": "outdated"})
        self.assertEqual(as_manager.sync_state, "outdated")
