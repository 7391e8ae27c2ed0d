"""Steps a back-office clerk takes with the demo Shopify store.

``tools/demo.sh`` runs them in ``odoo shell`` while the demo server runs:

- ``prepare``: import the store's locations, map "Main warehouse" to the
  main Odoo warehouse (the Brooklyn store stays unmapped, to be mapped by
  hand), register the webhooks and link the store's variants to the Odoo
  products (a bulk operation; the job runner finishes it);
- ``ship``: ship the oldest Shopify order still waiting in the warehouse
  with UPS and a tracking number, which fulfils it in the store.

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
    pickings = bindings.odoo_id.picking_ids.filtered(
        lambda p: p.state == "assigned" and p.picking_type_code == "outgoing"
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


def main(env, step):
    result = {"prepare": prepare, "ship": ship}[step](env)
    print(f"demo: {result}")  # noqa: T201 - the shell's output is the demo log
    return result
