"""Orders: placing, editing and cancelling, customers and addresses, search.

:meth:`Orders.create_order` places an order as a customer would (lines,
taxes, shipping, a discount, its fulfilment order and committed stock);
:meth:`Orders.update_order` changes it as the merchant would (an edit of
its lines is an ``orders/edited``); :meth:`Orders.cancel_order` cancels it.
Amounts follow Shopify: taxes per line on the discounted amount, included
or not, totals and the financial status's received and outstanding sums.
"""

import copy
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from odoo.addons.retail_connector_base.simulator import locked

from .engine import _matches, _search_terms
from .values import (
    _ZERO,
    DEFAULT_ADDRESS,
    _amount,
    _bag,
    _count,
    _money,
    _parse_time,
    _rest_amount,
    legacy_id,
)

FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
)


_COUNTRIES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "FR": "France",
    "DE": "Germany",
    "BE": "Belgium",
    "NL": "Netherlands",
    "ES": "Spain",
    "IT": "Italy",
}


DEFAULT_CUSTOMER = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "phone": "+12125550100",
}


def _line_key(variant, sku, title):
    """What a line sells: its variant, else its SKU, else its title."""
    if variant is not None:
        return ("variant", variant["id"])
    return ("sku", sku) if sku else ("title", title)


@dataclass
class _Spec:
    """What an order was built from (kept to rebuild it on an edit)."""

    lines: list
    shipping: list
    tax_lines: list
    taxes_included: bool
    discount_code: str | None
    location: str | None


class Orders:
    """Orders and their customers, as placed and changed in the store."""

    def _address(self, data):
        if not data:
            return None
        country_code = data.get("country_code")
        country = data.get("country") or _COUNTRIES.get(country_code or "")
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        record = {
            "__typename": "MailingAddress",
            "id": self._gid("MailingAddress"),
            "firstName": data.get("first_name"),
            "lastName": data.get("last_name"),
            "name": name or None,
            "company": data.get("company"),
            "address1": data.get("address1"),
            "address2": data.get("address2"),
            "city": data.get("city"),
            "province": data.get("province"),
            "provinceCode": data.get("province_code"),
            "country": country,
            "countryCodeV2": country_code,
            "countryCode": country_code,
            "zip": data.get("zip"),
            "phone": data.get("phone"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "coordinatesValidated": False,
            "timeZone": None,
            "formattedArea": ", ".join(
                p for p in (data.get("city"), data.get("province"), country) if p
            )
            or None,
        }
        record["formatted"] = lambda info, withName=False, withCompany=True: [
            p
            for p in (
                record["name"] if withName else None,
                record["company"] if withCompany else None,
                record["address1"],
                record["address2"],
                " ".join(p for p in (record["zip"], record["city"]) if p) or None,
                record["country"],
            )
            if p
        ]
        return self._register(record)

    def _customer(self, data, address):
        """The customer of ``data`` (one per email), created on first use."""
        email = (data.get("email") or "").strip().lower() or None
        if email and email in self.customers:
            return self.customers[email]
        gid = self._gid("Customer")
        stamp = self._stamp()
        first, last = data.get("first_name"), data.get("last_name")
        phone = data.get("phone")
        customer = {
            "__typename": "Customer",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "firstName": first,
            "lastName": last,
            "displayName": " ".join(p for p in (first, last) if p) or email or "",
            "email": email,
            "phone": phone,
            "defaultEmailAddress": {
                "emailAddress": email,
                "marketingState": "NOT_SUBSCRIBED",
                "validFormat": True,
            }
            if email
            else None,
            "defaultPhoneNumber": {"phoneNumber": phone} if phone else None,
            "defaultAddress": self._address(address),
            "createdAt": stamp,
            "updatedAt": stamp,
            "locale": "en",
            "note": None,
            "tags": [],
            "taxExempt": False,
            "verifiedEmail": bool(email),
            "state": "ENABLED",
            "lifetimeDuration": "less than a minute",
        }
        customer["numberOfOrders"] = lambda info: str(
            sum(1 for o in self.orders.values() if o["customer"] is customer)
        )
        customer["amountSpent"] = lambda info: {
            "amount": _amount(
                sum(
                    (
                        o["_totals"]["total"]
                        for o in self.orders.values()
                        if o["customer"] is customer
                    ),
                    _ZERO,
                )
            ),
            "currencyCode": self.currency,
        }
        self._register(customer)
        if email:
            self.customers[email] = customer
        return customer

    @locked
    def create_order(
        self,
        lines,
        *,
        customer=None,
        financial_status="paid",
        email=None,
        phone=None,
        shipping_address=None,
        billing_address=None,
        shipping=None,
        tax_lines=None,
        taxes_included=False,
        discount_code=None,
        location=None,
        note=None,
        tags=(),
        source_name="web",
        test=False,
        notify=True,
    ):
        """Place an order; return its REST webhook payload (a copy).

        ``lines``: ``[{variant_gid | sku, quantity, price, discount, title,
        taxable, requires_shipping}]`` (a SKU no variant has gives a custom
        line without variant); ``customer``: ``{first_name, last_name, email,
        phone}`` (``None`` for a demo customer, ``False`` for a guest);
        addresses use REST keys; ``shipping``: ``{title, price, code,
        tax_lines}`` or a list of them; ``tax_lines``: ``[{title, rate}]``
        charged on every taxable line; ``discount``: amount off a line.

        The order gets a fulfilment order at ``location`` (default: the first
        active location); its items are committed there (available goes
        down). Records ``orders/create`` (and ``orders/paid`` when paid) plus
        the ``inventory_levels/update`` webhooks when ``notify``.
        """
        status = financial_status.lower()
        if status not in FINANCIAL_STATUSES:
            raise ValueError(f"unknown financial status {financial_status!r}")
        if not lines:
            raise ValueError("an order needs at least one line")
        customer_data = DEFAULT_CUSTOMER if customer is None else (customer or {})
        shipping_data = (
            DEFAULT_ADDRESS if shipping_address is None else shipping_address
        )
        gid = self._gid("Order")
        number = next(self._order_numbers)
        stamp = self._stamp(strict=True)
        order = {
            "__typename": "Order",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "name": f"#{1000 + number}",
            "number": number,
            "confirmationNumber": secrets.token_hex(5).upper()[:9],
            "createdAt": stamp,
            "updatedAt": stamp,
            "processedAt": stamp,
            "cancelledAt": None,
            "cancelReason": None,
            "closed": False,
            "closedAt": None,
            "confirmed": True,
            "test": test,
            "note": note,
            "tags": list(tags),
            "email": email or customer_data.get("email"),
            "phone": phone or customer_data.get("phone"),
            "currencyCode": self.currency,
            "presentmentCurrencyCode": self.currency,
            "sourceName": source_name,
            "customerLocale": "en",
            "customerAcceptsMarketing": False,
            "taxExempt": False,
            "edited": False,
            "estimatedTaxes": False,
            "dutiesIncluded": False,
            "customAttributes": [],
            "refunds": [],
            "transactions": [],
            "_financial_status": status,
            "_token": secrets.token_hex(16),
        }
        order["customer"] = (
            self._customer(customer_data, shipping_data) if customer_data else None
        )
        order["shippingAddress"] = self._address(shipping_data)
        order["billingAddress"] = self._address(billing_address or shipping_data)
        order["displayAddress"] = order["shippingAddress"] or order["billingAddress"]
        order["billingAddressMatchesShippingAddress"] = billing_address is None
        self._order_callables(order)
        spec = _Spec(
            lines=[dict(line) for line in lines],
            shipping=self._shipping_specs(shipping),
            tax_lines=[dict(t) for t in tax_lines or []],
            taxes_included=taxes_included,
            discount_code=discount_code,
            location=location,
        )
        self.orders[gid] = self._register(order)
        self._specs[gid] = spec
        self._build_lines(order, spec)
        self._apply_financial_status(order)
        self._commit_inventory(order, notify=False)
        self._refresh_payload(order)
        if notify:
            self._emit("orders/create", self.order_payloads[gid])
            if status == "paid":
                self._emit("orders/paid", self.order_payloads[gid])
        self._emit_levels(order, notify)
        return copy.deepcopy(self.order_payloads[gid])

    @staticmethod
    def _shipping_specs(shipping):
        if not shipping:
            return []
        if isinstance(shipping, Mapping):
            shipping = [shipping]
        return [dict(s) for s in shipping]

    def _order_callables(self, order):
        order["lineItems"] = lambda info, **_: order["_lines"]
        order["shippingLines"] = lambda info, includeRemovals=False, **_: order[
            "_shipping_lines"
        ]
        order["shippingLine"] = lambda info: (order["_shipping_lines"] or [None])[0]
        order["fulfillmentOrders"] = lambda info, **_: order["_fulfillment_orders"]
        order["fulfillments"] = lambda info, first=None, **_: order["_fulfillments"][
            :first
        ]
        order["fulfillmentsCount"] = lambda info: _count(len(order["_fulfillments"]))
        order["displayFulfillmentStatus"] = lambda info: self._fulfillment_status(order)
        order["discountApplications"] = lambda info, **_: order["_applications"]
        order["fulfillable"] = lambda info: (
            self._remaining(order) > 0 and not order["cancelledAt"]
        )
        order["statusPageUrl"] = lambda info, **_: (
            f"https://{self.shop_domain}/{legacy_id(order['id'])}/orders/"
            f"{order['_token']}/authenticate"
        )

    def _line_variant(self, line):
        ref = line.get("variant_gid") or line.get("variant_id") or line.get("variant")
        if isinstance(ref, int):
            ref = f"gid://shopify/ProductVariant/{ref}"
        if ref:
            variant = self.variants.get(ref)
            if variant is None:
                raise ValueError(f"unknown variant {ref!r}")
            return variant
        return self._variant_by_sku(line.get("sku"))

    @staticmethod
    def _taxes(base, rates, included):
        """``[(title, rate, amount)]`` of a discounted base amount."""
        taxes = []
        for tax in rates:
            rate = Decimal(str(tax["rate"]))
            if included:
                amount = _money(base - base / (1 + rate))
            else:
                amount = _money(base * rate)
            taxes.append((tax.get("title") or "Tax", rate, amount))
        return taxes

    def _tax_lines(self, taxes, currency):
        return [
            {
                "__typename": "TaxLine",
                "title": title,
                "rate": float(rate),
                "ratePercentage": float(rate * 100),
                "priceSet": _bag(amount, currency),
                "price": _rest_amount(amount),
                "channelLiable": False,
                "source": "Shopify",
            }
            for title, rate, amount in taxes
        ]

    def _discount_application(self, order, spec, total):
        currency = order["currencyCode"]
        value = {
            "__typename": "MoneyV2",
            "amount": _amount(total),
            "currencyCode": currency,
        }
        common = {
            "index": 0,
            "allocationMethod": "ACROSS",
            "targetSelection": "EXPLICIT",
            "targetType": "LINE_ITEM",
            "value": value,
        }
        if spec.discount_code:
            return {
                "__typename": "DiscountCodeApplication",
                "code": spec.discount_code,
                **common,
            }
        return {
            "__typename": "ManualDiscountApplication",
            "title": "Manual discount",
            "description": None,
            **common,
        }

    def _build_line(self, order, spec, index, line, application):
        currency = order["currencyCode"]
        variant = self._line_variant(line)
        quantity = int(line.get("quantity", 1))
        if quantity <= 0:
            raise ValueError("a line quantity must be positive")
        price = _money(
            line["price"]
            if line.get("price") is not None
            else (variant["price"] if variant else 0)
        )
        discount = _money(line.get("discount") or 0)
        original = price * quantity
        discounted = original - discount
        taxable = line.get("taxable", variant["taxable"] if variant else True)
        rates = line.get("tax_lines", spec.tax_lines) if taxable else []
        taxes = self._taxes(discounted, rates, spec.taxes_included)
        product = variant["product"] if variant else None
        title = line.get("title") or (product["title"] if product else "Custom item")
        variant_title = None
        if variant and variant["title"] != "Default Title":
            variant_title = variant["title"]
        # an edit keeps the id of a line whose item stays on the order
        reuse = order.get("_reuse_line_ids") or {}
        gid = reuse.pop(_line_key(variant, line.get("sku"), title), None)
        gid = gid or self._gid("LineItem")
        record = {
            "__typename": "LineItem",
            "id": gid,
            "name": f"{title} - {variant_title}" if variant_title else title,
            "title": title,
            "variantTitle": variant_title,
            "sku": line.get("sku") if variant is None else variant["sku"],
            "vendor": product["vendor"] if product else None,
            "quantity": quantity,
            "currentQuantity": quantity,
            "refundableQuantity": quantity,
            "nonFulfillableQuantity": 0,
            "requiresShipping": bool(line.get("requires_shipping", True)),
            "taxable": bool(taxable),
            "isGiftCard": False,
            "merchantEditable": True,
            "restockable": True,
            "canRestock": True,
            "variant": variant,
            "product": product,
            "customAttributes": [],
            "duties": [],
            "originalUnitPriceSet": _bag(price, currency),
            "originalTotalSet": _bag(original, currency),
            "discountedUnitPriceSet": _bag(_money(discounted / quantity), currency),
            "discountedUnitPriceAfterAllDiscountsSet": _bag(
                _money(discounted / quantity), currency
            ),
            "discountedTotalSet": _bag(discounted, currency),
            "priceAfterAllDiscountsBeforeTaxesSet": _bag(discounted, currency),
            "totalDiscountSet": _bag(discount, currency),
            "taxLines": self._tax_lines(taxes, currency),
            "discountAllocations": [
                {
                    "allocatedAmountSet": _bag(discount, currency),
                    "allocatedAmount": {
                        "amount": _amount(discount),
                        "currencyCode": currency,
                    },
                    "discountApplication": application,
                }
            ]
            if discount and application
            else [],
            "_index": index,
            "_price": price,
            "_discount": discount,
            "_taxes": taxes,
            "_fo_lines": [],
        }
        record["unfulfilledQuantity"] = lambda info: self._line_remaining(record)
        record["fulfillableQuantity"] = record["unfulfilledQuantity"]
        record["fulfillmentStatus"] = lambda info: (
            self._line_status(record) or "unfulfilled"
        )
        record["unfulfilledDiscountedTotalSet"] = lambda info: _bag(
            _money(discounted / quantity * self._line_remaining(record)), currency
        )
        record["unfulfilledOriginalTotalSet"] = lambda info: _bag(
            price * self._line_remaining(record), currency
        )
        return self._register(record)

    def _build_shipping_line(self, order, spec, shipping):
        currency = order["currencyCode"]
        price = _money(shipping.get("price") or 0)
        taxes = self._taxes(price, shipping.get("tax_lines") or [], spec.taxes_included)
        return {
            "__typename": "ShippingLine",
            "id": self._gid("ShippingLine"),
            "title": shipping.get("title") or "Standard",
            "code": shipping.get("code") or shipping.get("title") or "Standard",
            "source": "shopify",
            "carrierIdentifier": None,
            "custom": False,
            "isRemoved": False,
            "phone": None,
            "deliveryCategory": None,
            "shippingRateHandle": None,
            "originalPriceSet": _bag(price, currency),
            "discountedPriceSet": _bag(price, currency),
            "currentDiscountedPriceSet": _bag(price, currency),
            "taxLines": self._tax_lines(taxes, currency),
            "discountAllocations": [],
            "_price": price,
            "_taxes": taxes,
        }

    def _build_lines(self, order, spec):
        """(Re)build lines, shipping, totals and fulfilment orders of an order."""
        total_discount = sum(
            (_money(li.get("discount") or 0) for li in spec.lines), _ZERO
        )
        application = (
            self._discount_application(order, spec, total_discount)
            if total_discount
            else None
        )
        order["_applications"] = [application] if application else []
        order["_lines"] = [
            self._build_line(order, spec, index, line, application)
            for index, line in enumerate(spec.lines)
        ]
        order["_shipping_lines"] = [
            self._build_shipping_line(order, spec, shipping)
            for shipping in spec.shipping
        ]
        order["taxesIncluded"] = spec.taxes_included
        order["discountCodes"] = [spec.discount_code] if spec.discount_code else []
        order["discountCode"] = spec.discount_code
        self._compute_totals(order)
        self._build_fulfillment_orders(order, spec)

    def _compute_totals(self, order):
        currency = order["currencyCode"]
        lines, shipping = order["_lines"], order["_shipping_lines"]
        line_items = sum((li["_price"] * li["quantity"] for li in lines), _ZERO)
        discounts = sum((li["_discount"] for li in lines), _ZERO)
        subtotal = line_items - discounts
        shipping_total = sum((s["_price"] for s in shipping), _ZERO)
        taxes = {}
        for taxed in [*lines, *shipping]:
            for title, rate, amount in taxed["_taxes"]:
                taxes[(title, rate)] = taxes.get((title, rate), _ZERO) + amount
        tax_total = sum(taxes.values(), _ZERO)
        total = subtotal + shipping_total
        if not order["taxesIncluded"]:
            total += tax_total
        order["_totals"] = {
            "line_items": line_items,
            "discounts": discounts,
            "subtotal": subtotal,
            "shipping": shipping_total,
            "tax": tax_total,
            "total": total,
            "taxes": [(title, rate, amount) for (title, rate), amount in taxes.items()],
        }
        tax_lines = self._tax_lines(order["_totals"]["taxes"], currency)
        quantity = sum(li["quantity"] for li in lines)
        order.update(
            {
                "taxLines": tax_lines,
                "currentTaxLines": tax_lines,
                "subtotalLineItemsQuantity": quantity,
                "currentSubtotalLineItemsQuantity": quantity,
                "requiresShipping": any(li["requiresShipping"] for li in lines),
                "subtotalPriceSet": _bag(subtotal, currency),
                "currentSubtotalPriceSet": _bag(subtotal, currency),
                "totalDiscountsSet": _bag(discounts, currency),
                "currentTotalDiscountsSet": _bag(discounts, currency),
                "cartDiscountAmountSet": _bag(_ZERO, currency),
                "currentCartDiscountAmountSet": _bag(_ZERO, currency),
                "totalShippingPriceSet": _bag(shipping_total, currency),
                "currentShippingPriceSet": _bag(shipping_total, currency),
                "totalTaxSet": _bag(tax_total, currency),
                "currentTotalTaxSet": _bag(tax_total, currency),
                "totalPriceSet": _bag(total, currency),
                "currentTotalPriceSet": _bag(total, currency),
                "originalTotalPriceSet": _bag(total, currency),
                "totalTipReceivedSet": _bag(_ZERO, currency),
                "totalRefundedSet": _bag(_ZERO, currency),
                "totalRefundedShippingSet": _bag(_ZERO, currency),
                "refundDiscrepancySet": _bag(_ZERO, currency),
                "totalWeight": "0",
                "currentTotalWeight": "0",
            }
        )

    def _apply_financial_status(self, order):
        currency = order["currencyCode"]
        status = order["_financial_status"]
        total = order["_totals"]["total"]
        received = (
            total if status in ("paid", "partially_refunded", "refunded") else _ZERO
        )
        if status == "partially_paid":
            received = _money(total / 2)
        capturable = total if status == "authorized" else _ZERO
        order.update(
            {
                "displayFinancialStatus": status.upper(),
                "fullyPaid": status == "paid",
                "unpaid": status in ("pending", "authorized", "expired", "voided"),
                "capturable": status == "authorized",
                "canMarkAsPaid": status in ("pending", "partially_paid"),
                "refundable": received > 0,
                "paymentGatewayNames": ["manual"]
                if status == "pending"
                else ["shopify_payments"],
                "totalReceivedSet": _bag(received, currency),
                "netPaymentSet": _bag(received, currency),
                "totalCapturableSet": _bag(capturable, currency),
                "totalOutstandingSet": _bag(
                    _ZERO if status in ("refunded", "voided") else total - received,
                    currency,
                ),
            }
        )

    @locked
    def order(self, gid):
        """The GraphQL-shaped record of an order."""
        return self.orders[gid]

    @locked
    def update_order(self, gid, *, notify=True, **changes):
        """Change an order as the merchant would; return the new REST payload.

        Accepted changes: ``financial_status``, ``note``, ``tags``, ``email``,
        ``phone``, ``shipping_address``, ``billing_address`` and, while nothing
        is fulfilled (an order edit, ``orders/edited``), ``lines``,
        ``shipping``, ``tax_lines``, ``taxes_included``, ``discount_code``.
        """
        order = self.orders[gid]
        edit_keys = {
            "lines",
            "shipping",
            "tax_lines",
            "taxes_included",
            "discount_code",
        }
        simple_keys = {
            "financial_status",
            "note",
            "tags",
            "email",
            "phone",
            "shipping_address",
            "billing_address",
        }
        unknown = set(changes) - edit_keys - simple_keys
        if unknown:
            raise TypeError(f"update_order cannot change {sorted(unknown)}")
        if order["cancelledAt"]:
            raise ValueError("a cancelled order cannot be changed")
        topics = []
        newly_paid = self._apply_simple_changes(order, changes)
        if newly_paid:
            topics.append("orders/paid")
        if set(changes) & edit_keys:
            self._edit_order(order, changes)
            topics.insert(0, "orders/edited")
        order["updatedAt"] = self._stamp(strict=True)
        self._refresh_payload(order)
        if notify:
            self._emit("orders/updated", self.order_payloads[gid])
            for topic in topics:
                if topic == "orders/edited":
                    self._emit(topic, order.pop("_last_edit"))
                else:
                    self._emit(topic, self.order_payloads[gid])
        self._emit_levels(order, notify)
        return copy.deepcopy(self.order_payloads[gid])

    def _apply_simple_changes(self, order, changes):
        newly_paid = False
        if "financial_status" in changes:
            status = changes["financial_status"].lower()
            if status not in FINANCIAL_STATUSES:
                raise ValueError(f"unknown financial status {status!r}")
            newly_paid = status == "paid" and order["_financial_status"] != "paid"
            order["_financial_status"] = status
        for key in ("note", "email", "phone"):
            if key in changes:
                order[key] = changes[key]
        if "tags" in changes:
            order["tags"] = list(changes["tags"])
        if "shipping_address" in changes:
            order["shippingAddress"] = self._address(changes["shipping_address"])
            order["displayAddress"] = (
                order["shippingAddress"] or order["billingAddress"]
            )
        if "billing_address" in changes:
            order["billingAddress"] = self._address(changes["billing_address"])
        self._apply_financial_status(order)
        return newly_paid

    def _edit_order(self, order, changes):
        if any(self._line_fulfilled(li) for li in order["_lines"]):
            raise ValueError("the lines of a (partly) fulfilled order cannot be edited")
        if order["refunds"]:
            raise ValueError("the lines of a refunded order cannot be edited")
        spec = self._specs[order["id"]]
        self._commit_inventory(order, notify=False, release=True)
        released = order.pop("_touched_levels", [])
        if "lines" in changes:
            spec.lines = [dict(line) for line in changes["lines"]]
        if "shipping" in changes:
            spec.shipping = self._shipping_specs(changes["shipping"])
        if "tax_lines" in changes:
            spec.tax_lines = [dict(t) for t in changes["tax_lines"] or []]
        if "taxes_included" in changes:
            spec.taxes_included = bool(changes["taxes_included"])
        if "discount_code" in changes:
            spec.discount_code = changes["discount_code"]
        before = {line["id"]: line for line in order["_lines"]}
        order["_reuse_line_ids"] = {
            _line_key(line["variant"], line["sku"], line["title"]): line["id"]
            for line in order["_lines"]
        }
        for line in order["_lines"]:
            self._nodes.pop(line["id"], None)
        self._build_lines(order, spec)
        order.pop("_reuse_line_ids", None)
        order["_last_edit"] = self._order_edit_payload(order, before)
        self._apply_financial_status(order)
        self._commit_inventory(order, notify=False)
        order["_touched_levels"] = released + order["_touched_levels"]
        order["edited"] = True

    @locked
    def cancel_order(self, gid, *, reason="customer", restock=True, notify=True):
        """Cancel an order (open fulfilment orders are cancelled, stock restocked)."""
        order = self.orders[gid]
        if order["cancelledAt"]:
            raise ValueError(f"order {order['name']} is already cancelled")
        if restock:
            self._commit_inventory(order, notify=False, release=True)
        for fulfillment_order in order["_fulfillment_orders"]:
            if fulfillment_order["status"] in ("OPEN", "IN_PROGRESS", "SCHEDULED"):
                fulfillment_order["status"] = (
                    "CANCELLED" if fulfillment_order["status"] == "OPEN" else "CLOSED"
                )
                fulfillment_order["updatedAt"] = self._stamp()
        stamp = self._stamp(strict=True)
        status = order["_financial_status"]
        if status in ("paid", "partially_paid"):
            order["_financial_status"] = "refunded"
        elif status in ("authorized", "pending"):
            order["_financial_status"] = "voided"
        self._apply_financial_status(order)
        order.update(
            {
                "cancelledAt": stamp,
                "cancelReason": reason.upper(),
                "closed": True,
                "closedAt": stamp,
                "updatedAt": stamp,
            }
        )
        self._refresh_payload(order)
        if notify:
            self._emit("orders/cancelled", self.order_payloads[gid])
            self._emit("orders/updated", self.order_payloads[gid])
        self._emit_levels(order, notify)
        return copy.deepcopy(self.order_payloads[gid])

    def _order_getters(self):
        return {
            "updated_at": lambda o: _parse_time(o["updatedAt"]),
            "created_at": lambda o: _parse_time(o["createdAt"]),
            "processed_at": lambda o: _parse_time(o["processedAt"]),
            "name": lambda o: [o["name"], o["name"].lstrip("#")],
            "id": lambda o: legacy_id(o["id"]),
            "email": lambda o: o["email"],
            "financial_status": lambda o: o["_financial_status"],
            "fulfillment_status": lambda o: {
                "UNFULFILLED": ["unfulfilled", "unshipped"],
                "PARTIALLY_FULFILLED": ["partial", "unfulfilled"],
                "FULFILLED": ["fulfilled", "shipped"],
            }.get(self._fulfillment_status(o), []),
            "status": lambda o: (
                "cancelled"
                if o["cancelledAt"]
                else ("closed" if o["closed"] else "open")
            ),
            "tag": lambda o: o["tags"],
            "sku": lambda o: [li["sku"] for li in o["_lines"] if li["sku"]],
            "test": lambda o: str(o["test"]).lower(),
        }

    def _q_orders(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = self._order_getters()
        records = [
            o
            for o in self.orders.values()
            if _matches(o, terms, getters, lambda o: f"{o['name']} {o['email'] or ''}")
        ]
        keys = {
            "CREATED_AT": lambda o: o["createdAt"],
            "UPDATED_AT": lambda o: o["updatedAt"],
            "PROCESSED_AT": lambda o: o["processedAt"],
            "ORDER_NUMBER": lambda o: o["number"],
            "TOTAL_PRICE": lambda o: o["_totals"]["total"],
            "CURRENT_TOTAL_PRICE": lambda o: o["_totals"]["total"],
        }
        key = keys.get(args.get("sortKey") or "PROCESSED_AT", lambda o: 0)
        return sorted(records, key=lambda o: (key(o), legacy_id(o["id"])))
