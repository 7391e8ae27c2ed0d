"""Fulfilment: fulfilment orders, ``fulfillmentCreate`` and tracking.

An order gets one fulfilment order at its location for the lines that need
shipping; its unfulfilled units are committed stock there. A fulfilment
takes units off the fulfilment order lines (and off the committed stock),
closes what is done and emits ``fulfillments/create``; its tracking changes
with ``fulfillmentTrackingInfoUpdate`` (``fulfillments/update``).
"""

from .values import _bag, _user_error, legacy_id


class Fulfilment:
    """Fulfilment orders and fulfilments of the orders."""

    def _build_fulfillment_orders(self, order, spec):
        for old in order.get("_fulfillment_orders", []):
            self.fulfillment_orders.pop(old["id"], None)
            self._nodes.pop(old["id"], None)
        shipped = [li for li in order["_lines"] if li["requiresShipping"]]
        order["_fulfillment_orders"] = []
        order.setdefault("_fulfillments", [])
        if not shipped:
            return
        location = (
            self._location(spec.location) if spec.location else self._default_location()
        )
        stamp = self._stamp()
        gid = self._gid("FulfillmentOrder")
        address = order["shippingAddress"] or {}
        fulfillment_order = {
            "__typename": "FulfillmentOrder",
            "id": gid,
            "status": "OPEN",
            "requestStatus": "UNSUBMITTED",
            "order": order,
            "orderId": order["id"],
            "orderName": order["name"],
            "orderProcessedAt": order["processedAt"],
            "createdAt": stamp,
            "updatedAt": stamp,
            "fulfillAt": stamp,
            "fulfillBy": None,
            "fulfillmentHolds": [],
            "assignedLocation": {
                "location": location,
                "name": location["name"],
                "address1": location["address"]["address1"],
                "city": location["address"]["city"],
                "province": location["address"]["province"],
                "zip": location["address"]["zip"],
                "countryCode": location["address"]["countryCode"] or "US",
                "phone": location["address"]["phone"],
            },
            "destination": {
                "id": self._gid("FulfillmentOrderDestination"),
                "firstName": address.get("firstName"),
                "lastName": address.get("lastName"),
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "province": address.get("province"),
                "zip": address.get("zip"),
                "countryCode": address.get("countryCodeV2"),
                "phone": address.get("phone"),
                "email": order["email"],
            },
            "deliveryMethod": {
                "id": self._gid("DeliveryMethod"),
                "methodType": "SHIPPING",
            },
            "_fulfillments": [],
        }
        fulfillment_order["lineItems"] = lambda info, **_: fulfillment_order["_lines"]
        fulfillment_order["fulfillments"] = lambda info, **_: fulfillment_order[
            "_fulfillments"
        ]
        fulfillment_order["supportedActions"] = lambda info: (
            [{"action": "CREATE_FULFILLMENT", "externalUrl": None}]
            if fulfillment_order["status"] in ("OPEN", "IN_PROGRESS")
            else []
        )
        fulfillment_order["_lines"] = [
            self._fulfillment_order_line(fulfillment_order, line) for line in shipped
        ]
        self.fulfillment_orders[gid] = self._register(fulfillment_order)
        order["_fulfillment_orders"].append(fulfillment_order)

    def _fulfillment_order_line(self, fulfillment_order, line):
        variant = line["variant"]
        record = {
            "__typename": "FulfillmentOrderLineItem",
            "id": self._gid("FulfillmentOrderLineItem"),
            "remainingQuantity": line["quantity"],
            "totalQuantity": line["quantity"],
            "lineItem": line,
            "sku": line["sku"],
            "variant": variant,
            "inventoryItemId": variant["inventoryItem"]["id"] if variant else None,
            "productTitle": line["title"],
            "variantTitle": line["variantTitle"],
            "vendor": line["vendor"],
            "requiresShipping": True,
            "warnings": [],
            "financialSummaries": [],
            "originalUnitPriceSet": line["originalUnitPriceSet"],
            "_fulfillment_order": fulfillment_order,
        }
        line["_fo_lines"] = [*line.get("_fo_lines", []), record]
        return self._register(record)

    @staticmethod
    def _line_remaining(line):
        return sum(
            fo_line["remainingQuantity"]
            for fo_line in line["_fo_lines"]
            if (fo_line["_fulfillment_order"]["status"] != "CANCELLED")
        )

    @staticmethod
    def _line_fulfilled(line):
        return sum(
            fo_line["totalQuantity"] - fo_line["remainingQuantity"]
            for fo_line in line["_fo_lines"]
        )

    def _line_status(self, line):
        fulfilled = self._line_fulfilled(line)
        if not fulfilled:
            return None
        return "fulfilled" if fulfilled >= line["quantity"] else "partial"

    def _remaining(self, order):
        return sum(self._line_remaining(li) for li in order["_lines"])

    def _fulfillment_status(self, order):
        lines = [li for li in order["_lines"] if li["requiresShipping"]]
        if not lines:
            return "FULFILLMENT_NOT_REQUIRED"
        fulfilled = sum(self._line_fulfilled(li) for li in lines)
        if not fulfilled:
            return "UNFULFILLED"
        if fulfilled >= sum(li["quantity"] for li in lines):
            return "FULFILLED"
        return "PARTIALLY_FULFILLED"

    def _commit_inventory(self, order, notify, release=False):
        """Move unfulfilled quantities between ``available`` and ``committed``."""
        sign = -1 if release else 1
        touched = []
        for fulfillment_order in order["_fulfillment_orders"]:
            location = fulfillment_order["assignedLocation"]["location"]
            for fo_line in fulfillment_order["_lines"]:
                variant = fo_line["variant"]
                quantity = fo_line["remainingQuantity"]
                if variant is None or not quantity:
                    continue
                level = self._level(variant["inventoryItem"], location)
                level["_q"]["available"] -= sign * quantity
                level["_q"]["committed"] += sign * quantity
                level["updatedAt"] = self._stamp()
                touched.append(level)
        order["_touched_levels"] = touched
        if notify:
            self._emit_levels(order)

    def _emit_levels(self, order, notify=True):
        """Record ``inventory_levels/update`` for the levels an order moved."""
        seen = set()
        for level in order.pop("_touched_levels", []):
            if notify and level["id"] not in seen:
                seen.add(level["id"])
                self._emit_level(level)

    def _check_fulfillment_group(self, index, group):
        """Validate one lineItemsByFulfillmentOrder entry: ``(plan, errors)``."""
        path = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        fulfillment_order = self.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fulfillment_order is None:
            return None, [
                _user_error(
                    [*path, "fulfillmentOrderId"], "Fulfillment order does not exist."
                )
            ]
        if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
            return None, [
                _user_error(
                    [*path, "fulfillmentOrderId"],
                    f"Fulfillment order {fulfillment_order['id']} has an "
                    f"unfulfillable status= {fulfillment_order['status'].lower()}.",
                )
            ]
        lines = {line["id"]: line for line in fulfillment_order["_lines"]}
        requested = group.get("fulfillmentOrderLineItems")
        if not requested:
            requested = [
                {"id": line["id"], "quantity": line["remainingQuantity"]}
                for line in fulfillment_order["_lines"]
                if line["remainingQuantity"]
            ]
        wanted, errors = {}, []
        for position, entry in enumerate(requested):
            line = lines.get(entry["id"])
            entry_path = [*path, "fulfillmentOrderLineItems", str(position)]
            if line is None:
                errors.append(
                    _user_error(
                        [*entry_path, "id"],
                        "Fulfillment order line item does not exist.",
                    )
                )
                continue
            wanted[line["id"]] = wanted.get(line["id"], 0) + entry["quantity"]
            if entry["quantity"] <= 0 or wanted[line["id"]] > line["remainingQuantity"]:
                errors.append(
                    _user_error(
                        [*entry_path, "quantity"],
                        "Invalid fulfillment order line item quantity requested.",
                    )
                )
        return (fulfillment_order, [(lines[i], q) for i, q in wanted.items()]), errors

    def _m_fulfillment_create(self, info, fulfillment, message=None):
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        plans, errors = [], []
        if not groups:
            errors.append(
                _user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "At least one fulfillment order is required.",
                )
            )
        for index, group in enumerate(groups):
            plan, group_errors = self._check_fulfillment_group(index, group)
            errors.extend(group_errors)
            if plan is not None:
                plans.append(plan)
        orders = {fo["order"]["id"] for fo, _items in plans}
        locations = {fo["assignedLocation"]["location"]["id"] for fo, _items in plans}
        if not errors and (len(orders) > 1 or len(locations) > 1):
            errors.append(
                _user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "All fulfillment orders must belong to the same order and "
                    "be assigned to the same location.",
                )
            )
        if not errors and not any(items for _fo, items in plans):
            errors.append(
                _user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "There is nothing left to fulfill.",
                )
            )
        if errors:
            return {"fulfillment": None, "userErrors": errors}
        record = self._create_fulfillment(plans, fulfillment)
        return {"fulfillment": record, "userErrors": []}

    @staticmethod
    def _tracking(data):
        data = data or {}
        numbers = list(
            data.get("numbers") or ([data["number"]] if data.get("number") else [])
        )
        urls = list(data.get("urls") or ([data["url"]] if data.get("url") else []))
        company = data.get("company")
        count = max(len(numbers), len(urls), 1 if company else 0)
        return [
            {
                "company": company,
                "number": numbers[i] if i < len(numbers) else None,
                "url": urls[i] if i < len(urls) else None,
            }
            for i in range(count)
        ]

    def _create_fulfillment(self, plans, data):
        order = plans[0][0]["order"]
        location = plans[0][0]["assignedLocation"]["location"]
        gid = self._gid("Fulfillment")
        stamp = self._stamp()
        items = []
        for fulfillment_order, wanted in plans:
            for fo_line, quantity in wanted:
                fo_line["remainingQuantity"] -= quantity
                line = fo_line["lineItem"]
                if fo_line["variant"] is not None:
                    level = self._level(fo_line["variant"]["inventoryItem"], location)
                    level["_q"]["committed"] -= quantity
                    level["updatedAt"] = stamp
                items.append(
                    {
                        "__typename": "FulfillmentLineItem",
                        "id": self._gid("FulfillmentLineItem"),
                        "quantity": quantity,
                        "lineItem": line,
                        "originalTotalSet": _bag(
                            line["_price"] * quantity, order["currencyCode"]
                        ),
                        "discountedTotalSet": _bag(
                            line["_price"] * quantity
                            - line["_discount"] / line["quantity"] * quantity,
                            order["currencyCode"],
                        ),
                    }
                )
            remaining = sum(
                li["remainingQuantity"] for li in fulfillment_order["_lines"]
            )
            fulfillment_order["status"] = "CLOSED" if not remaining else "IN_PROGRESS"
            fulfillment_order["updatedAt"] = stamp
        record = {
            "__typename": "Fulfillment",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "name": f"{order['name']}-F{len(order['_fulfillments']) + 1}",
            "status": "SUCCESS",
            "displayStatus": "FULFILLED",
            "createdAt": stamp,
            "updatedAt": stamp,
            "deliveredAt": None,
            "inTransitAt": None,
            "estimatedDeliveryAt": None,
            "requiresShipping": True,
            "order": order,
            "location": location,
            "totalQuantity": sum(item["quantity"] for item in items),
            "_items": items,
            "_tracking": self._tracking(data.get("trackingInfo")),
            "_notify": bool(data.get("notifyCustomer")),
            "_fulfillment_orders": [fo for fo, _wanted in plans],
        }
        record["trackingInfo"] = lambda info, first=None: record["_tracking"][:first]
        record["fulfillmentLineItems"] = lambda info, **_: record["_items"]
        record["fulfillmentOrders"] = lambda info, **_: record["_fulfillment_orders"]
        self.fulfillments[gid] = self._register(record)
        for fulfillment_order, _wanted in plans:
            fulfillment_order["_fulfillments"].append(record)
        order["_fulfillments"].append(record)
        if self._remaining(order) == 0 and order["_financial_status"] == "paid":
            order["closed"], order["closedAt"] = True, stamp
        order["updatedAt"] = self._stamp(strict=True)
        self._refresh_payload(order)
        self._emit("fulfillments/create", self._rest_fulfillment(record))
        self._emit("orders/updated", self.order_payloads[order["id"]])
        return record

    def _m_fulfillment_tracking_update(
        self, info, fulfillmentId, trackingInfoInput, notifyCustomer=None
    ):
        record = self.fulfillments.get(fulfillmentId)
        if record is None:
            return {
                "fulfillment": None,
                "userErrors": [
                    _user_error(["fulfillmentId"], "Fulfillment does not exist.")
                ],
            }
        if record["status"] == "CANCELLED":
            return {
                "fulfillment": None,
                "userErrors": [
                    _user_error(
                        ["fulfillmentId"],
                        "The tracking of a cancelled fulfillment cannot change.",
                    )
                ],
            }
        record["_tracking"] = self._tracking(trackingInfoInput)
        if notifyCustomer is not None:
            record["_notify"] = bool(notifyCustomer)
        record["updatedAt"] = self._stamp()
        order = record["order"]
        self._refresh_payload(order)
        self._emit("fulfillments/update", self._rest_fulfillment(record))
        return {"fulfillment": record, "userErrors": []}
