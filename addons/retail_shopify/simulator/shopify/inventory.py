"""Inventory: locations, inventory levels and their named quantities.

A level keeps Shopify's named quantities (``available``, ``committed``,
``reserved``...; ``on_hand`` is their sum) of one item at one location.
``inventorySetQuantities`` is answered as Shopify does: the
``@idempotent(key:)`` directive is required and a repeated key answers the
first result, ``changeFromQuantity`` is a compare-and-swap (required, null
to skip), and a change of ``available`` emits ``inventory_levels/update``.
"""

import json

from graphql import GraphQLError
from graphql.execution.values import get_directive_values

from odoo.addons.retail_connector_base.simulator import locked

from .engine import _matches, _search_terms
from .values import DEFAULT_ADDRESS, _parse_time, _rest_time, _user_error, legacy_id

INVENTORY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)


INVENTORY_REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "movement_updated",
        "movement_received",
        "movement_canceled",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)


class Inventory:
    """Locations and stock, as a merchant and the GraphQL API change them."""

    @locked
    def add_location(self, name, *, active=True, address=None):
        """Add a location; return its gid."""
        gid = self._gid("Location")
        stamp = self._stamp()
        address = dict(DEFAULT_ADDRESS, **(address or {}))
        primary = not self.locations
        record = {
            "__typename": "Location",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "name": name,
            "isActive": active,
            "activatable": True,
            "deactivatable": True,
            "deletable": False,
            "addressVerified": True,
            "fulfillsOnlineOrders": True,
            "hasActiveInventory": True,
            "hasUnfulfilledOrders": False,
            "isFulfillmentService": False,
            "isPrimary": primary,
            "shipsInventory": True,
            "createdAt": stamp,
            "updatedAt": stamp,
            "deactivatedAt": None,
            "address": {
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "province": address.get("province"),
                "provinceCode": address.get("province_code"),
                "country": address.get("country"),
                "countryCode": address.get("country_code"),
                "zip": address.get("zip"),
                "phone": address.get("phone"),
                "latitude": None,
                "longitude": None,
                "formatted": [
                    part
                    for part in (
                        address.get("address1"),
                        address.get("city"),
                        address.get("country"),
                    )
                    if part
                ],
            },
            "inventoryLevel": lambda info, inventoryItemId, **_: self.levels.get(
                (inventoryItemId, gid)
            ),
            "inventoryLevels": lambda info, **_: [
                level for (_i, loc), level in self.levels.items() if loc == gid
            ],
        }
        self.locations[gid] = self._register(record)
        return gid

    def _default_location(self):
        for location in self.locations.values():
            if location["isActive"]:
                return location
        return self.locations[self.add_location("Shop location")]

    def _level(self, item, location, create=True):
        key = (item["id"], location["id"])
        level = self.levels.get(key)
        if level is None and create:
            stamp = self._stamp()
            number = next(self._ids)
            level = {
                "__typename": "InventoryLevel",
                "id": f"gid://shopify/InventoryLevel/{number}"
                f"?inventory_item_id={legacy_id(item['id'])}",
                "item": item,
                "location": location,
                "isActive": True,
                "canDeactivate": True,
                "deactivationAlert": None,
                "createdAt": stamp,
                "updatedAt": stamp,
                "_q": dict.fromkeys(INVENTORY_NAMES, 0),
            }
            level["quantities"] = lambda info, names: self._quantities(level, names)
            self.levels[key] = self._register(level)
        return level

    @staticmethod
    def _on_hand(level):
        q = level["_q"]
        return (
            q["available"]
            + q["committed"]
            + q["reserved"]
            + q["damaged"]
            + q["safety_stock"]
            + q["quality_control"]
        )

    def _quantity(self, level, name):
        if level is None:
            return 0
        if name == "on_hand":
            return self._on_hand(level)
        return level["_q"][name]

    def _quantities(self, level, names):
        result = []
        for name in names:
            if name not in INVENTORY_NAMES:
                raise GraphQLError(f"Invalid quantity name: {name!r}.")
            result.append(
                {
                    "__typename": "InventoryQuantity",
                    "id": f"gid://shopify/InventoryQuantity/{legacy_id(level['id'])}"
                    f"?inventory_item_id={legacy_id(level['item']['id'])}"
                    f"&name={name}",
                    "name": name,
                    "quantity": self._quantity(level, name),
                    "updatedAt": level["updatedAt"],
                }
            )
        return result

    def _change_quantity(self, level, name, value):
        """Set ``available``/``committed``/... (``on_hand`` moves ``available``)."""
        if name == "on_hand":
            level["_q"]["available"] += value - self._on_hand(level)
        else:
            level["_q"][name] = value
        level["updatedAt"] = self._stamp()

    def _emit_level(self, level):
        item, location = level["item"], level["location"]
        self._emit(
            "inventory_levels/update",
            {
                "inventory_item_id": legacy_id(item["id"]),
                "location_id": legacy_id(location["id"]),
                "available": level["_q"]["available"],
                "updated_at": _rest_time(level["updatedAt"]),
                "admin_graphql_api_id": level["id"],
            },
        )

    @locked
    def set_available(self, item_gid, location_gid, qty, *, notify=False):
        """Set the available quantity (as a merchant would in the admin).

        ``item_gid`` may also be a variant gid or a SKU, ``location_gid`` a
        location name. ``notify`` records the ``inventory_levels/update``
        webhook Shopify would send.
        """
        level = self._level(self._item(item_gid), self._location(location_gid))
        self._change_quantity(level, "available", int(qty))
        if notify:
            self._emit_level(level)
        return level["id"]

    @locked
    def available(self, item_gid, location_gid):
        """Available quantity of an item at a location (0 when not stocked)."""
        key = (self._item(item_gid)["id"], self._location(location_gid)["id"])
        return self._quantity(self.levels.get(key), "available")

    @locked
    def quantity(self, item_gid, location_gid, name):
        """Any named quantity (``committed``, ``on_hand``...) of an item."""
        key = (self._item(item_gid)["id"], self._location(location_gid)["id"])
        return self._quantity(self.levels.get(key), name)

    def _total_available(self, item_gid):
        return sum(
            level["_q"]["available"]
            for (item, _loc), level in self.levels.items()
            if item == item_gid
        )

    def _q_location(self, info, id=None):
        if id is None:
            return next(iter(self.locations.values()), None)
        return self._typed(id, "Location")

    def _q_locations(self, info, **args):
        records = list(self.locations.values())
        if not args.get("includeInactive"):
            records = [r for r in records if r["isActive"]]
        records = [
            r
            for r in records
            if _matches(
                r,
                _search_terms(args.get("query")),
                {
                    "name": lambda r: r["name"],
                    "active": lambda r: str(r["isActive"]).lower(),
                    "id": lambda r: legacy_id(r["id"]),
                },
                lambda r: r["name"],
            )
        ]
        if args.get("sortKey") == "ID":
            return sorted(records, key=lambda r: legacy_id(r["id"]))
        return sorted(records, key=lambda r: (r["name"].lower(), legacy_id(r["id"])))

    def _q_inventory_items(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = {
            "sku": lambda i: i["variant"]["sku"],
            "id": lambda i: legacy_id(i["id"]),
            "updated_at": lambda i: _parse_time(i["updatedAt"]),
        }
        return [
            i
            for i in self.inventory_items.values()
            if _matches(i, terms, getters, lambda i: i["variant"]["sku"] or "")
        ]

    @staticmethod
    def _idempotency_key(info):
        directive = info.schema.get_directive("idempotent")
        values = None
        if directive is not None:
            values = get_directive_values(
                directive, info.field_nodes[0], info.variable_values
            )
        key = (values or {}).get("key")
        if not isinstance(key, str) or not key.strip():
            raise GraphQLError(
                f"{info.field_name} requires an idempotency key: add "
                "@idempotent(key: ...) with a non-blank key to the field.",
                info.field_nodes,
            )
        return key

    def _m_inventory_set_quantities(self, info, input):
        key = self._idempotency_key(info)
        fingerprint = json.dumps(input, sort_keys=True, default=str)
        stored = self._idempotency.get((info.field_name, key))
        if stored is not None:
            if stored[0] != fingerprint:
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        _user_error(
                            ["input"],
                            "The idempotency key was already used with other "
                            "parameters.",
                            "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        )
                    ],
                }
            return stored[1]
        result = self._set_quantities(input)
        self._idempotency[(info.field_name, key)] = (fingerprint, result)
        return result

    def _check_quantity(self, index, entry, name, seen):
        """Validate one quantity; return ``(plan entry or None, errors)``."""
        path = ["input", "quantities", str(index)]
        item = self.inventory_items.get(entry["inventoryItemId"])
        location = self.locations.get(entry["locationId"])
        if item is None:
            return None, [
                _user_error(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            ]
        if location is None:
            return None, [
                _user_error(
                    [*path, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            ]
        pair = (item["id"], location["id"])
        errors = []
        if pair in seen:
            errors.append(
                _user_error(
                    path,
                    "An inventory item and location pair can appear only once.",
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                )
            )
        seen.add(pair)
        quantity = entry["quantity"]
        if quantity < 0:
            errors.append(
                _user_error(
                    [*path, "quantity"],
                    "The quantity can't be negative.",
                    "INVALID_QUANTITY_NEGATIVE",
                )
            )
        elif quantity > 1_000_000_000:
            errors.append(
                _user_error(
                    [*path, "quantity"],
                    "The quantity can't be higher than 1,000,000,000.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
        current = self._quantity(self.levels.get(pair), name)
        if "changeFromQuantity" not in entry:
            errors.append(
                _user_error(
                    [*path, "changeFromQuantity"],
                    "changeFromQuantity is required: pass the quantity you expect, "
                    "or null to skip the compare-and-swap check.",
                    "COMPARE_QUANTITY_REQUIRED",
                )
            )
        elif entry["changeFromQuantity"] is not None and (
            entry["changeFromQuantity"] != current
        ):
            errors.append(
                _user_error(
                    [*path, "changeFromQuantity"],
                    "The quantity couldn't be set because changeFromQuantity "
                    f"({entry['changeFromQuantity']}) no longer matches the current "
                    f"quantity ({current}).",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
        return (item, location, quantity), errors

    def _set_quantities(self, data):
        name, reason = data["name"], data["reason"]
        errors = []
        if name not in ("available", "on_hand"):
            errors.append(
                _user_error(
                    ["input", "name"],
                    "The quantity name must be available or on_hand.",
                    "INVALID_NAME",
                )
            )
        if reason not in INVENTORY_REASONS:
            errors.append(
                _user_error(
                    ["input", "reason"],
                    f"The reason {reason!r} is not a valid reason.",
                    "INVALID_REASON",
                )
            )
        plan, seen = [], set()
        for index, entry in enumerate(data["quantities"]):
            step, step_errors = self._check_quantity(
                index, entry, name if not errors else "available", seen
            )
            errors.extend(step_errors)
            if step is not None:
                plan.append(step)
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = []
        for item, location, quantity in plan:
            level = self._level(item, location)
            before = {n: self._quantity(level, n) for n in ("available", "on_hand")}
            self._change_quantity(level, name, quantity)
            for changed in (name, "on_hand" if name == "available" else "available"):
                delta = self._quantity(level, changed) - before[changed]
                if changed == name or delta:
                    changes.append(
                        {
                            "__typename": "InventoryChange",
                            "name": changed,
                            "delta": delta,
                            "quantityAfterChange": self._quantity(level, changed),
                            "item": item,
                            "location": location,
                            "ledgerDocumentUri": None,
                        }
                    )
            if self._quantity(level, "available") != before["available"]:
                self._emit_level(level)
        group = {
            "__typename": "InventoryAdjustmentGroup",
            "id": self._gid("InventoryAdjustmentGroup"),
            "createdAt": self._stamp(),
            "reason": reason,
            "referenceDocumentUri": data.get("referenceDocumentUri"),
            "changes": changes,
            "app": None,
            "staffMember": None,
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}
