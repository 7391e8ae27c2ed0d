"""REST payloads: the records in the shape Shopify's webhooks carry them.

Webhook payloads are REST resources (``orders/create`` is a REST order,
``refunds/create`` a REST refund...) with numeric ids beside
``admin_graphql_api_id``, two-decimal amounts and ``*_set`` money bags;
``sim.order_payloads`` keeps the current REST order of each order.
"""

from .values import _ZERO, _amount, _rest_amount, _rest_set, _rest_time, legacy_id


class RestPayloads:
    """The REST shapes of products, customers, orders, refunds, fulfilments."""

    def _rest_product(self, product):
        return {
            "id": legacy_id(product["id"]),
            "admin_graphql_api_id": product["id"],
            "title": product["title"],
            "handle": product["handle"],
            "status": product["status"].lower(),
            "vendor": product["vendor"],
            "product_type": product["productType"],
            "tags": ", ".join(product["tags"]),
            "body_html": product["descriptionHtml"],
            "created_at": _rest_time(product["createdAt"]),
            "updated_at": _rest_time(product["updatedAt"]),
            "variants": [
                {
                    "id": legacy_id(v["id"]),
                    "admin_graphql_api_id": v["id"],
                    "product_id": legacy_id(product["id"]),
                    "title": v["title"],
                    "sku": v["sku"],
                    "barcode": v["barcode"],
                    "price": v["price"],
                    "position": v["position"],
                    "inventory_item_id": legacy_id(v["inventoryItem"]["id"]),
                    "inventory_quantity": self._total_available(
                        v["inventoryItem"]["id"]
                    ),
                }
                for v in product["variants"]
            ],
        }

    @staticmethod
    def _rest_address(record):
        if record is None:
            return None
        return {
            "first_name": record["firstName"],
            "last_name": record["lastName"],
            "name": record["name"],
            "company": record["company"],
            "address1": record["address1"],
            "address2": record["address2"],
            "city": record["city"],
            "province": record["province"],
            "province_code": record["provinceCode"],
            "country": record["country"],
            "country_code": record["countryCodeV2"],
            "zip": record["zip"],
            "phone": record["phone"],
            "latitude": record["latitude"],
            "longitude": record["longitude"],
        }

    def _rest_customer(self, customer):
        if customer is None:
            return None
        return {
            "id": legacy_id(customer["id"]),
            "admin_graphql_api_id": customer["id"],
            "email": customer["email"],
            "first_name": customer["firstName"],
            "last_name": customer["lastName"],
            "phone": customer["phone"],
            "state": "enabled",
            "verified_email": customer["verifiedEmail"],
            "tax_exempt": False,
            "tags": "",
            "note": None,
            "currency": self.currency,
            "created_at": _rest_time(customer["createdAt"]),
            "updated_at": _rest_time(customer["updatedAt"]),
            "default_address": self._rest_address(customer["defaultAddress"]),
        }

    def _order_edit_payload(self, order, before):
        """The ``orders/edited`` payload: what the edit added and removed."""
        after = {line["id"]: line for line in order["_lines"]}
        additions, removals = [], []
        for gid in sorted(set(before) | set(after)):
            old = before[gid]["quantity"] if gid in before else 0
            new = after[gid]["quantity"] if gid in after else 0
            if new > old:
                additions.append({"id": legacy_id(gid), "delta": new - old})
            elif old > new:
                removals.append({"id": legacy_id(gid), "delta": old - new})
        stamp = _rest_time(self._stamp())
        return {
            "order_edit": {
                "id": legacy_id(self._gid("OrderEdit")),
                "app_id": None,
                "created_at": stamp,
                "committed_at": stamp,
                "notify_customer": False,
                "order_id": legacy_id(order["id"]),
                "staff_note": "",
                "user_id": None,
                "line_items": {"additions": additions, "removals": removals},
                "discounts": {"line_item": {"additions": [], "removals": []}},
                "shipping_lines": {"additions": [], "removals": []},
            }
        }

    def _rest_refund(self, refund):
        """The REST shape of a refund (``refunds/create``, order ``refunds``)."""
        order = refund["order"]
        currency = order["currencyCode"]
        order_id = legacy_id(order["id"])
        return {
            "id": legacy_id(refund["id"]),
            "admin_graphql_api_id": refund["id"],
            "order_id": order_id,
            "created_at": _rest_time(refund["createdAt"]),
            "processed_at": _rest_time(refund["processedAt"]),
            "note": refund["note"],
            "restock": refund["_restock"],
            "user_id": None,
            "total_duties_set": _rest_set(_ZERO, currency),
            "duties": [],
            "additional_fees": [],
            "total_additional_fees_set": _rest_set(_ZERO, currency),
            "return": None,
            "order_adjustments": [],
            "refund_line_items": [
                {
                    "id": legacy_id(item["id"]),
                    "line_item_id": legacy_id(item["lineItem"]["id"]),
                    "location_id": legacy_id(item["location"]["id"])
                    if item["location"]
                    else None,
                    "quantity": item["quantity"],
                    "restock_type": item["restockType"].lower(),
                    "subtotal": _rest_amount(item["_subtotal"]),
                    "subtotal_set": _rest_set(item["_subtotal"], currency),
                    "total_tax": _rest_amount(item["_tax"]),
                    "total_tax_set": _rest_set(item["_tax"], currency),
                    "line_item": self._rest_line(item["lineItem"], currency),
                }
                for item in refund["_lines"]
            ],
            "refund_shipping_lines": [
                {
                    "id": legacy_id(item["id"]),
                    "shipping_line_id": legacy_id(item["shippingLine"]["id"]),
                    "subtotal_amount_set": _rest_set(item["_subtotal"], currency),
                    "tax_amount_set": _rest_set(item["_tax"], currency),
                    "shipping_line": self._rest_shipping_line(
                        item["shippingLine"], currency
                    ),
                }
                for item in refund["_shipping"]
            ],
            "transactions": [
                {
                    "id": legacy_id(transaction["id"]),
                    "admin_graphql_api_id": transaction["id"],
                    "order_id": order_id,
                    "kind": transaction["kind"].lower(),
                    "gateway": transaction["gateway"],
                    "status": transaction["status"].lower(),
                    "message": "Transaction approved",
                    "created_at": _rest_time(transaction["createdAt"]),
                    "processed_at": _rest_time(transaction["processedAt"]),
                    "amount": _rest_amount(transaction["_amount"]),
                    "currency": currency,
                    "test": transaction["test"],
                    "authorization": None,
                    "location_id": None,
                    "user_id": None,
                    "device_id": None,
                    "error_code": None,
                    "parent_id": legacy_id(transaction["parentTransaction"]["id"])
                    if transaction["parentTransaction"]
                    else None,
                    "receipt": {},
                    "source_name": "web",
                }
                for transaction in refund["_transactions"]
            ],
        }

    def _rest_taxes(self, taxes, currency):
        return [
            {
                "title": title,
                "rate": float(rate),
                "price": _rest_amount(amount),
                "price_set": _rest_set(amount, currency),
                "channel_liable": False,
            }
            for title, rate, amount in taxes
        ]

    def _rest_line(self, line, currency):
        variant, product = line["variant"], line["product"]
        return {
            "id": legacy_id(line["id"]),
            "admin_graphql_api_id": line["id"],
            "variant_id": legacy_id(variant["id"]) if variant else None,
            "product_id": legacy_id(product["id"]) if product else None,
            "product_exists": product is not None,
            "sku": line["sku"],
            "name": line["name"],
            "title": line["title"],
            "variant_title": line["variantTitle"],
            "vendor": line["vendor"],
            "quantity": line["quantity"],
            "current_quantity": line["currentQuantity"],
            "fulfillable_quantity": self._line_remaining(line),
            "fulfillment_status": self._line_status(line),
            "fulfillment_service": "manual",
            "variant_inventory_management": "shopify" if variant else None,
            "requires_shipping": line["requiresShipping"],
            "taxable": line["taxable"],
            "gift_card": False,
            "grams": 0,
            "price": _rest_amount(line["_price"]),
            "price_set": _rest_set(line["_price"], currency),
            "total_discount": _rest_amount(line["_discount"]),
            "total_discount_set": _rest_set(line["_discount"], currency),
            "discount_allocations": [
                {
                    "amount": _rest_amount(line["_discount"]),
                    "amount_set": _rest_set(line["_discount"], currency),
                    "discount_application_index": 0,
                }
            ]
            if line["_discount"]
            else [],
            "tax_lines": self._rest_taxes(line["_taxes"], currency),
            "properties": [],
            "duties": [],
            "attributed_staffs": [],
        }

    def _rest_shipping_line(self, shipping, currency):
        return {
            "id": legacy_id(shipping["id"]),
            "title": shipping["title"],
            "code": shipping["code"],
            "source": shipping["source"],
            "carrier_identifier": None,
            "requested_fulfillment_service_id": None,
            "phone": None,
            "is_removed": False,
            "price": _rest_amount(shipping["_price"]),
            "price_set": _rest_set(shipping["_price"], currency),
            "discounted_price": _rest_amount(shipping["_price"]),
            "discounted_price_set": _rest_set(shipping["_price"], currency),
            "tax_lines": self._rest_taxes(shipping["_taxes"], currency),
            "discount_allocations": [],
        }

    def _rest_discounts(self, order, currency):
        application = (order["_applications"] or [None])[0]
        if application is None:
            return [], []
        total = order["_totals"]["discounts"]
        entry = {
            "type": "discount_code" if order["discountCode"] else "manual",
            "value": _amount(total),
            "value_type": "fixed_amount",
            "allocation_method": "across",
            "target_selection": "explicit",
            "target_type": "line_item",
        }
        codes = []
        if order["discountCode"]:
            entry["code"] = order["discountCode"]
            codes = [
                {
                    "code": order["discountCode"],
                    "amount": _rest_amount(total),
                    "type": "fixed_amount",
                }
            ]
        else:
            entry.update(title=application["title"], description=None)
        return [entry], codes

    def _rest_order(self, order):
        currency = order["currencyCode"]
        totals = order["_totals"]
        applications, codes = self._rest_discounts(order, currency)
        fulfillment = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}
        money = {
            "subtotal_price": totals["subtotal"],
            "current_subtotal_price": totals["subtotal"],
            "total_line_items_price": totals["line_items"],
            "total_discounts": totals["discounts"],
            "current_total_discounts": totals["discounts"],
            "total_tax": totals["tax"],
            "current_total_tax": totals["tax"],
            "total_price": totals["total"],
            "current_total_price": totals["total"],
            "total_shipping_price": totals["shipping"],
        }
        payload = {
            "id": legacy_id(order["id"]),
            "admin_graphql_api_id": order["id"],
            "name": order["name"],
            "number": order["number"],
            "order_number": 1000 + order["number"],
            "confirmation_number": order["confirmationNumber"],
            "token": order["_token"],
            "email": order["email"],
            "contact_email": order["email"],
            "phone": order["phone"],
            "created_at": _rest_time(order["createdAt"]),
            "updated_at": _rest_time(order["updatedAt"]),
            "processed_at": _rest_time(order["processedAt"]),
            "cancelled_at": _rest_time(order["cancelledAt"]),
            "cancel_reason": (order["cancelReason"] or "").lower() or None,
            "closed_at": _rest_time(order["closedAt"]),
            "confirmed": True,
            "test": order["test"],
            "currency": currency,
            "presentment_currency": currency,
            "financial_status": order["_financial_status"],
            "fulfillment_status": fulfillment.get(self._fulfillment_status(order)),
            "taxes_included": order["taxesIncluded"],
            "tax_exempt": False,
            "estimated_taxes": False,
            "source_name": order["sourceName"],
            "note": order["note"],
            "note_attributes": [],
            "tags": ", ".join(order["tags"]),
            "customer_locale": "en",
            "buyer_accepts_marketing": False,
            "payment_gateway_names": list(order["paymentGatewayNames"]),
            "order_status_url": order["statusPageUrl"](None),
            "total_outstanding": _rest_amount(
                order["totalOutstandingSet"]["shopMoney"]["amount"]
            ),
            "total_tip_received": "0.00",
            "total_weight": 0,
            "location_id": None,
            "user_id": None,
            "app_id": None,
            "po_number": None,
            "tax_lines": self._rest_taxes(totals["taxes"], currency),
            "discount_codes": codes,
            "discount_applications": applications,
            "customer": self._rest_customer(order["customer"]),
            "billing_address": self._rest_address(order["billingAddress"]),
            "shipping_address": self._rest_address(order["shippingAddress"]),
            "line_items": [self._rest_line(li, currency) for li in order["_lines"]],
            "shipping_lines": [
                self._rest_shipping_line(s, currency) for s in order["_shipping_lines"]
            ],
            "fulfillments": [self._rest_fulfillment(f) for f in order["_fulfillments"]],
            "refunds": [self._rest_refund(refund) for refund in order["refunds"]],
        }
        for key, value in money.items():
            if key != "total_shipping_price":
                payload[key] = _rest_amount(value)
            payload[f"{key}_set"] = _rest_set(value, currency)
        return payload

    def _refresh_payload(self, order):
        self.order_payloads[order["id"]] = self._rest_order(order)

    def _rest_fulfillment(self, fulfillment):
        tracking = fulfillment["_tracking"]
        order = fulfillment["order"]
        return {
            "id": legacy_id(fulfillment["id"]),
            "admin_graphql_api_id": fulfillment["id"],
            "order_id": legacy_id(order["id"]),
            "name": fulfillment["name"],
            "status": fulfillment["status"].lower(),
            "service": "manual",
            "shipment_status": None,
            "location_id": legacy_id(fulfillment["location"]["id"]),
            "created_at": _rest_time(fulfillment["createdAt"]),
            "updated_at": _rest_time(fulfillment["updatedAt"]),
            "tracking_company": tracking[0]["company"] if tracking else None,
            "tracking_number": tracking[0]["number"] if tracking else None,
            "tracking_numbers": [t["number"] for t in tracking if t["number"]],
            "tracking_url": tracking[0]["url"] if tracking else None,
            "tracking_urls": [t["url"] for t in tracking if t["url"]],
            "line_items": [
                dict(
                    self._rest_line(item["lineItem"], order["currencyCode"]),
                    quantity=item["quantity"],
                )
                for item in fulfillment["_items"]
            ],
        }
