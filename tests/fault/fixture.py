"""What a fault database holds before its server starts (run in a subprocess).

``python3 -m fault.fixture CONF DB setup SETTINGS_JSON`` makes, committed,
in a database where retail_shopify, retail_pos and retail_3pl are
installed:

- a Shopify store (``shopify.backend``) whose Admin API is the loopback
  Shopify simulator of the settings, its circuit breaker set from the
  settings, and the products it sells;
- a POS store with its tax and payment mappings, products with stock and an
  API key;
- a 3PL provider of the generic adapter operating a warehouse with stock,
  its API the loopback 3PL simulator of the settings, its circuit breaker
  set from the settings;

and prints what the harness needs (ids, the POS key) as one JSON line.
``python3 -m fault.fixture CONF DB deliveries COUNT`` confirms ``COUNT``
outgoing deliveries of the provider's warehouse (each released by the
connector with its fulfilment request job); ``ship COUNT`` validates the
deliveries of ``COUNT`` imported Shopify orders, oldest first (the
connector queues the export of their fulfilments). Several commands may
follow each other (``deliveries 4 ship 3``): they run in one transaction,
and their results are printed as one JSON line. The harness process never
opens an Odoo registry: everything it reads afterwards, it reads with SQL.
"""

import json
import sys

#: what the Shopify store sells (SKU, price)
SHOPIFY_SKUS = (("FAULT-TEE", "25.00"), ("FAULT-MUG", "14.00"), ("FAULT-TOTE", "9.00"))
#: what the tills sell (SKU, price, taxes included)
POS_SKUS = (("FPOS-TOTE", "12.50"), ("FPOS-MUG", "8.00"), ("FPOS-CAP", "15.00"))
POS_STORE = "FAULTPOS"
#: the 3PL warehouse and its products
THREEPL_WAREHOUSE = "F3PL"
THREEPL_SKUS = ("F3PL-A", "F3PL-B")


def open_env(conf, db):
    import odoo  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", conf, "-d", db], setup_logging=False)
    return Registry(db)


def setup(env, settings):
    env["ir.config_parameter"].set_param(
        "retail_connector_base.allow_simulator_endpoints", "1"
    )
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    shopify = setup_shopify(env, settings, warehouse)
    pos, key = setup_pos(env, warehouse)
    provider = setup_threepl(env, settings)
    return {
        "shopify_backend_id": shopify.id,
        "pos_store_id": pos.id,
        "pos_key": key,
        "provider_id": provider.id,
    }


def setup_shopify(env, settings, warehouse):
    env["product.product"].create(
        [
            {
                "name": f"Fault {sku}",
                "default_code": sku,
                "type": "consu",
                "list_price": float(price),
            }
            for sku, price in SHOPIFY_SKUS
        ]
    )
    return env["shopify.backend"].create(
        {
            "name": "Fault store",
            "shop_domain": settings["shop_domain"],
            "client_secret": settings["shop_secret"],
            "access_token": settings["shop_token"],
            "api_endpoint": settings["shopify_url"],
            "warehouse_id": warehouse.id,
            "state": "active",
            "circuit_threshold": settings["circuit_threshold"],
            "circuit_cooldown": settings["circuit_cooldown"],
        }
    )


def setup_pos(env, warehouse):
    tax = env["account.tax"].create(
        {
            "name": "Fault VAT 20% included",
            "amount": 20.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_included",
        }
    )
    Journal = env["account.journal"]
    cash_journal = Journal.create(
        {"name": "Fault cash", "type": "cash", "code": "FCSH"}
    )
    bank_journal = Journal.create(
        {"name": "Fault card", "type": "bank", "code": "FCRD"}
    )
    Method = env["pos.payment.method"]
    cash = Method.create({"name": "Fault cash", "journal_id": cash_journal.id})
    card = Method.create({"name": "Fault card", "journal_id": bank_journal.id})
    store = env["retail.pos.store"].create(
        {
            "name": "Fault till store",
            "code": POS_STORE,
            "state": "active",
            "warehouse_id": warehouse.id,
            "tax_mapping_ids": [(0, 0, {"title": "VAT20", "tax_id": tax.id})],
            "payment_mapping_ids": [
                (0, 0, {"code": "CASH", "payment_method_id": cash.id}),
                (0, 0, {"code": "CARD", "payment_method_id": card.id}),
            ],
        }
    )
    location = warehouse.lot_stock_id
    for sku, price in POS_SKUS:
        product = env["product.product"].create(
            {
                "name": f"Fault {sku}",
                "default_code": sku,
                "is_storable": True,
                "list_price": float(price),
                "taxes_id": [(6, 0, tax.ids)],
                "available_in_pos": True,
            }
        )
        env["stock.quant"]._update_available_quantity(product, location, 1_000_000)
    _key_record, key = store._retail_pos_new_key(name="Fault tills")
    return store, key


def setup_threepl(env, settings):
    warehouse = env["stock.warehouse"].create(
        {"name": "Fault 3PL warehouse", "code": THREEPL_WAREHOUSE}
    )
    carrier = env["delivery.carrier"].create(
        {
            "name": "Fault UPS Ground",
            "product_id": env["product.product"]
            .create({"name": "Fault UPS shipping", "type": "service"})
            .id,
        }
    )
    env["res.partner"].create(
        {
            "name": "Fault Customer",
            "street": "1 Main Street",
            "city": "Springfield",
            "zip": "62701",
            "country_id": env.ref("base.us").id,
            "email": "customer@fault.example",
        }
    )
    for sku in THREEPL_SKUS:
        product = env["product.product"].create(
            {"name": f"Fault {sku}", "default_code": sku, "is_storable": True}
        )
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 1_000_000
        )
    return env["retail.3pl.provider"].create(
        {
            "name": "Fault 3PL",
            "state": "active",
            "api_url": settings["threepl_url"],
            "api_token": settings["threepl_token"],
            "signing_secret": settings["threepl_secret"],
            # the provider's own limit is not what is tested here
            "rate_limit_capacity": 1000,
            "rate_limit_per_second": 1000,
            "circuit_threshold": settings["circuit_threshold"],
            "circuit_cooldown": settings["circuit_cooldown"],
            "warehouse_ids": [(6, 0, warehouse.ids)],
            "carrier_map_ids": [
                (0, 0, {"code": "UPS", "service": "Ground", "carrier_id": carrier.id})
            ],
        }
    )


def deliveries(env, count):
    """``count`` confirmed deliveries of the provider's warehouse, 2 lines."""
    warehouse = env["stock.warehouse"].search([("code", "=", THREEPL_WAREHOUSE)])
    customer = env["res.partner"].search([("name", "=", "Fault Customer")], limit=1)
    products = env["product.product"].search(
        [("default_code", "in", THREEPL_SKUS)], order="default_code"
    )
    picking_type = warehouse.out_type_id
    source = picking_type.default_location_src_id
    destination = env.ref("stock.stock_location_customers")
    pickings = env["stock.picking"].create(
        [
            {
                "picking_type_id": picking_type.id,
                "partner_id": customer.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": 1 + (i + n) % 3,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        },
                    )
                    for n, product in enumerate(products)
                ],
            }
            for i in range(count)
        ]
    )
    pickings.action_confirm()
    return {"picking_ids": pickings.ids}


def ship(env, count):
    """Validate the deliveries of ``count`` imported Shopify orders not
    shipped yet, oldest first, each with a tracking number."""
    pickings = env["stock.picking"].search(
        [
            ("sale_id.shopify_binding_ids", "!=", False),
            ("picking_type_code", "=", "outgoing"),
            ("state", "not in", ("done", "cancel")),
        ],
        order="id",
        limit=count,
    )
    if len(pickings) < count:
        raise SystemExit(f"{len(pickings)} Shopify deliveries to ship, not {count}")
    for picking in pickings:
        picking.carrier_tracking_ref = f"1ZFAULT{picking.id:010d}"
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
    pickings.with_context(
        skip_backorder=True, picking_ids_not_to_backorder=pickings.ids
    ).button_validate()
    left = pickings.filtered(lambda p: p.state != "done")
    if left:
        raise SystemExit(f"not validated: {left.mapped('name')}")
    return {"shipped_picking_ids": pickings.ids}


COMMANDS = {
    "setup": lambda env, argument: setup(env, json.loads(argument)),
    "deliveries": lambda env, argument: deliveries(env, int(argument)),
    "ship": lambda env, argument: ship(env, int(argument)),
}


def main(argv):
    conf, db, *commands = argv
    if not commands or len(commands) % 2:
        raise SystemExit("usage: CONF DB COMMAND ARGUMENT [COMMAND ARGUMENT ...]")
    pairs = list(zip(commands[::2], commands[1::2], strict=True))
    unknown = [command for command, _argument in pairs if command not in COMMANDS]
    if unknown:
        raise SystemExit(f"unknown command {unknown[0]!r}")
    import odoo  # noqa: PLC0415

    registry = open_env(conf, db)
    result = {}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        for command, argument in pairs:
            result.update(COMMANDS[command](env, argument))
        cr.commit()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
