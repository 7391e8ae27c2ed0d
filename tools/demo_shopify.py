"""Steps a back-office clerk takes with the demo Shopify store.

``tools/demo.sh`` runs them in ``odoo shell`` while the demo server runs:

- ``prepare``: import the store's locations, map "Main warehouse" to the
  main Odoo warehouse (the Brooklyn store stays unmapped, to be mapped by
  hand), register the webhooks and link the store's variants to the Odoo
  products (a bulk operation; the job runner finishes it);
- ``ship``: ship the oldest Shopify order still waiting in the warehouse
  with UPS and a tracking number, which fulfils it in the store;
- ``threepl`` (with ``retail_3pl``'s demo data): put stock in the warehouse
  the demo 3PL provider operates and make it the store's default
  warehouse: the store's next orders are sent to the provider, which ships
  them by itself (its simulator, started by ``tools/demo.sh``).

Usage inside ``odoo shell``::

    runpy.run_path("tools/demo_shopify.py")["main"](env, "prepare")
"""

MAIN_LOCATION = "Main warehouse"
TRACKING_NUMBER = "1Z999AA10123456784"


def prepare(env):
    backend = env.ref("retail_shopify.demo_shopify_backend")
    warehouse = env.ref("stock.warehouse0")
    backend.action_import_locations()
    for location in backend.location_ids:
        location.warehouse_id = warehouse if location.name == MAIN_LOCATION else False
    backend.action_register_webhooks()
    backend.action_link_products()
    env.cr.commit()
    mapped = backend.location_ids.filtered("warehouse_id")
    return (
        f"{len(backend.location_ids)} locations imported, {mapped.name} mapped to "
        f"warehouse {warehouse.code}; webhooks registered; product link queued"
    )


def ship(env):
    bindings = env["shopify.sale.order"].search(
        [("backend_id", "=", env.ref("retail_shopify.demo_shopify_backend").id)],
        order="id",
    )
    operated = "threepl_provider_id" in env["stock.warehouse"]._fields
    pickings = bindings.odoo_id.picking_ids.filtered(
        lambda p: (
            p.state == "assigned"
            and p.picking_type_code == "outgoing"
            # a 3PL's delivery is validated by the provider's confirmations
            and not (operated and p.picking_type_id.warehouse_id.threepl_provider_id)
        )
    )
    if not pickings:
        return "no reserved delivery of a Shopify order to ship"
    picking = pickings[0]
    picking.write(
        {
            "carrier_id": env.ref("retail_shopify.demo_carrier_ups").id,
            "carrier_tracking_ref": TRACKING_NUMBER,
        }
    )
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    # the demo customer gets no text message: skip stock_sms's question
    picking.with_context(skip_sms=True).button_validate()
    if picking.state != "done":
        env.cr.rollback()
        return f"{picking.name} could not be validated (state {picking.state})"
    env.cr.commit()
    return f"{picking.name} ({picking.origin}) shipped with tracking {TRACKING_NUMBER}"


#: what the demo 3PL warehouse holds of each demo product when the store
#: starts selling from it
THREEPL_STOCK = {
    "retail_shopify.demo_product_tote": 25,
    "retail_shopify.demo_product_beanie_grey": 10,
    "retail_shopify.demo_product_beanie_navy": 10,
    "retail_shopify.demo_product_mug": 30,
}


def threepl(env):
    provider = env.ref("retail_3pl.demo_provider", raise_if_not_found=False)
    if not provider:
        return "retail_3pl's demo provider is not installed: no 3PL step"
    warehouse = provider.warehouse_ids[:1]
    backend = env.ref("retail_shopify.demo_shopify_backend")
    # what the provider counted on its shelves, as an inventory adjustment
    env["stock.quant"].with_context(inventory_mode=True).create(
        [
            {
                "product_id": env.ref(xmlid).id,
                "location_id": warehouse.lot_stock_id.id,
                "inventory_quantity": qty,
            }
            for xmlid, qty in THREEPL_STOCK.items()
        ]
    ).action_apply_inventory()
    backend.warehouse_id = warehouse
    env.cr.commit()
    return (
        f"the store now sells from warehouse {warehouse.code}, operated by "
        f"{provider.name}: its orders are shipped by the provider"
    )


def kpis(env):
    """The day's KPIs and alerts now (their crons run every hour and every
    15 minutes), so that the KPI dashboard has figures at once."""
    env["retail.kpi.daily"]._cron_compute()
    env["retail.backend"]._cron_check_alerts()
    env.cr.commit()
    count = env["retail.kpi.daily"].search_count([])
    return f"{count} KPI figures computed"


def main(env, step):
    steps = {"prepare": prepare, "ship": ship, "threepl": threepl, "kpis": kpis}
    result = steps[step](env)
    print(f"demo: {result}")  # noqa: T201 - the shell's output is the demo log
    return result
