"""Refunds, as the merchant makes them in the Shopify admin.

See :meth:`Refunds.refund_order`: prorated line and shipping amounts, one
refund transaction on the order's payment, restock types, and what the
order, its fulfilment order and the inventory become.
"""

import copy
from collections.abc import Mapping
from decimal import Decimal

from odoo.addons.retail_connector_base.simulator import locked

from .values import _ZERO, _bag, _money, legacy_id


class Refunds:
    """Refunds of the orders."""

    @locked
    def refund_order(
        self,
        gid,
        *,
        lines=None,
        shipping=False,
        restock_type="return",
        note=None,
        notify=True,
    ):
        """Refund part of a paid order as the merchant would; return the
        ``refunds/create`` payload (a copy).

        ``lines``: ``{line gid or SKU: quantity}``; ``restock_type``: one of
        ``return`` (shipped units back to stock), ``cancel`` (units not
        shipped, released), ``no_restock``, ``legacy_restock`` (shipped units
        returned, the others released), or ``{line gid or SKU: type}``;
        ``shipping``: ``True`` refunds what is left of the shipping, an amount
        refunds that much of it.

        Amounts are Shopify's: each line's discounted total and tax lines
        prorated by the units refunded so far (the rounding rest goes with
        the last unit); the money goes back on one refund transaction whose
        parent is the order's payment. Raises ValueError where Shopify
        refuses: an unpaid order, more units than refundable, a return of
        units not shipped, a cancel of shipped units, nothing to refund.

        The order gets the refund, its financial status (partially_refunded
        or refunded), the lines their current and refundable quantities, the
        fulfilment order loses the units taken off, inventory follows the
        restock type. Records ``refunds/create``, ``orders/updated`` and the
        ``inventory_levels/update`` of restocked items when ``notify``.
        """
        order = self.orders[gid]
        if order["cancelledAt"]:
            raise ValueError(f"order {order['name']} is cancelled")
        if order["_financial_status"] not in ("paid", "partially_refunded"):
            raise ValueError(
                f"order {order['name']} has no payment to refund "
                f"({order['_financial_status']})"
            )
        currency = order["currencyCode"]
        items = [
            self._refund_item(order, ref, quantity, restock_type)
            for ref, quantity in (lines or {}).items()
        ]
        shipping_items = self._refund_shipping_items(order, shipping)
        if not items and not shipping_items:
            raise ValueError("a refund needs at least one line or some shipping")
        stamp = self._stamp(strict=True)
        refund_gid = self._gid("Refund")
        location = self._refund_location(order)
        touched = []
        refund_lines = []
        for line, quantity, restock in items:
            refund_lines.append(
                self._refund_line_record(order, line, quantity, restock, location)
            )
            touched += self._restock_line(order, line, quantity, restock, location)
        refund_shipping = [
            self._refund_shipping_record(order, shipping_line, amount)
            for shipping_line, amount in shipping_items
        ]
        included = order["taxesIncluded"]
        total = sum(
            (
                rl["_subtotal"] + (_ZERO if included else rl["_tax"])
                for rl in refund_lines + refund_shipping
            ),
            _ZERO,
        )
        payment = self._payment_transaction(order)
        transaction = self._transaction(order, "REFUND", total, stamp, payment)
        order["transactions"].append(transaction)
        record = {
            "__typename": "Refund",
            "id": refund_gid,
            "legacyResourceId": str(legacy_id(refund_gid)),
            "createdAt": stamp,
            "updatedAt": stamp,
            "processedAt": stamp,
            "note": note,
            "order": order,
            "totalRefundedSet": _bag(total, currency),
            "return": None,
            "duties": [],
            "staffMember": None,
            "_lines": refund_lines,
            "_shipping": refund_shipping,
            "_transactions": [transaction],
            "_total": total,
            "_restock": any(rl["restocked"] for rl in refund_lines),
        }
        record["refundLineItems"] = lambda info, **_: record["_lines"]
        record["refundShippingLines"] = lambda info, **_: record["_shipping"]
        record["transactions"] = lambda info, **_: record["_transactions"]
        record["orderAdjustments"] = lambda info, **_: []
        order["refunds"].append(self._register(record))
        self._apply_refunded_totals(order)
        order["updatedAt"] = self._stamp(strict=True)
        self._refresh_payload(order)
        payload = self._rest_refund(record)
        if notify:
            self._emit("refunds/create", payload)
            self._emit("orders/updated", self.order_payloads[gid])
            for level in {level["id"]: level for level in touched}.values():
                self._emit_level(level)
        return copy.deepcopy(payload)

    def _refund_item(self, order, ref, quantity, restock_type):
        """``(line, quantity, restock type)`` of a requested refund line."""
        line = next(
            (li for li in order["_lines"] if ref in (li["id"], li["sku"])), None
        )
        if line is None:
            raise ValueError(f"order {order['name']} has no line {ref!r}")
        if isinstance(restock_type, Mapping):
            restock_type = restock_type.get(ref, "no_restock")
        restock = str(restock_type).lower()
        if restock not in ("return", "cancel", "no_restock", "legacy_restock"):
            raise ValueError(f"unknown restock type {restock_type!r}")
        quantity = int(quantity)
        if quantity <= 0:
            raise ValueError("a refunded quantity must be positive")
        if quantity > line["refundableQuantity"]:
            raise ValueError(
                f"{line['name']}: {quantity} refunded but only "
                f"{line['refundableQuantity']} can be"
            )
        unshipped = self._line_remaining(line)
        shipped = self._line_fulfilled(line) - line.get("_shipped_refunded", 0)
        if restock == "cancel" and quantity > unshipped:
            raise ValueError(
                f"{line['name']}: only {unshipped} unit(s) are not fulfilled and "
                "can be cancelled; return the others"
            )
        if restock == "return" and quantity > shipped:
            raise ValueError(
                f"{line['name']}: only {shipped} fulfilled unit(s) can be returned"
            )
        return line, quantity, restock

    def _refund_shipping_items(self, order, shipping):
        """``[(shipping line, amount)]`` of a requested shipping refund."""
        if shipping is False or shipping is None:
            return []
        left = [
            (s, s["_price"] - s.get("_refunded", _ZERO))
            for s in order["_shipping_lines"]
        ]
        if shipping is True:
            return [(s, amount) for s, amount in left if amount > 0]
        wanted = _money(shipping)
        if wanted <= 0 or wanted > sum((amount for _s, amount in left), _ZERO):
            raise ValueError(f"cannot refund {wanted} of shipping")
        items = []
        for shipping_line, amount in left:
            take = min(amount, wanted)
            if take > 0:
                items.append((shipping_line, take))
                wanted -= take
        return items

    def _refund_location(self, order):
        for fulfillment_order in order["_fulfillment_orders"]:
            return fulfillment_order["assignedLocation"]["location"]
        return self._default_location()

    def _refund_line_record(self, order, line, quantity, restock, location):
        """The RefundLineItem of ``quantity`` units: amounts prorated."""
        currency = order["currencyCode"]
        total_units = line["quantity"]
        before = line["quantity"] - line["refundableQuantity"]
        after = before + quantity
        discounted = line["_price"] * total_units - line["_discount"]

        def share(amount):
            return _money(amount * after / total_units) - _money(
                amount * before / total_units
            )

        subtotal = share(discounted)
        tax = sum((share(amount) for _t, _r, amount in line["_taxes"]), _ZERO)
        line["refundableQuantity"] -= quantity
        line["currentQuantity"] -= quantity
        return self._register(
            {
                "__typename": "RefundLineItem",
                "id": self._gid("RefundLineItem"),
                "lineItem": line,
                "quantity": quantity,
                "restockType": restock.upper(),
                "restocked": restock != "no_restock",
                "location": location if restock != "no_restock" else None,
                "priceSet": _bag(line["_price"], currency),
                "subtotalSet": _bag(subtotal, currency),
                "totalTaxSet": _bag(tax, currency),
                "_subtotal": subtotal,
                "_tax": tax,
            }
        )

    def _refund_shipping_record(self, order, shipping_line, amount):
        currency = order["currencyCode"]
        price = shipping_line["_price"]
        before = shipping_line.get("_refunded", _ZERO)
        after = before + amount
        tax = sum(
            (
                _money(tax_amount * after / price) - _money(tax_amount * before / price)
                for _t, _r, tax_amount in shipping_line["_taxes"]
            ),
            _ZERO,
        )
        shipping_line["_refunded"] = after
        return self._register(
            {
                "__typename": "RefundShippingLine",
                "id": self._gid("RefundShippingLine"),
                "shippingLine": shipping_line,
                "subtotalAmountSet": _bag(amount, currency),
                "taxAmountSet": _bag(tax, currency),
                "_subtotal": amount,
                "_tax": tax,
            }
        )

    def _restock_line(self, order, line, quantity, restock, location):
        """Fulfilment order and inventory after refunding ``quantity`` units;
        return the inventory levels changed."""
        unshipped = self._line_remaining(line)
        if restock in ("cancel", "no_restock"):
            taken_off = min(quantity, unshipped)
        elif restock == "legacy_restock":
            shipped = self._line_fulfilled(line) - line.get("_shipped_refunded", 0)
            taken_off = max(0, quantity - shipped)
        else:
            taken_off = 0
        line["_shipped_refunded"] = (
            line.get("_shipped_refunded", 0) + quantity - taken_off
        )
        left = taken_off
        for fo_line in line["_fo_lines"]:
            fulfillment_order = fo_line["_fulfillment_order"]
            if fulfillment_order["status"] == "CANCELLED" or not left:
                continue
            take = min(left, fo_line["remainingQuantity"])
            fo_line["remainingQuantity"] -= take
            fo_line["totalQuantity"] -= take
            left -= take
            if not any(li["remainingQuantity"] for li in fulfillment_order["_lines"]):
                fulfillment_order["status"] = "CLOSED"
            fulfillment_order["updatedAt"] = self._stamp()
        variant = line["variant"]
        if variant is None:
            return []
        level = self._level(variant["inventoryItem"], location)
        quantities = level["_q"]
        # units still to ship were committed: they no longer are
        quantities["committed"] -= taken_off
        if restock != "no_restock":
            # restocked: units cancelled before shipping and units coming back
            quantities["available"] += quantity
        level["updatedAt"] = self._stamp()
        return [level]

    def _payment_transaction(self, order):
        """The order's payment (a SALE transaction), recorded when first needed."""
        for transaction in order["transactions"]:
            if transaction["kind"] in ("SALE", "CAPTURE"):
                return transaction
        received = Decimal(order["totalReceivedSet"]["shopMoney"]["amount"])
        transaction = self._transaction(order, "SALE", received, order["processedAt"])
        order["transactions"].insert(0, transaction)
        return transaction

    def _transaction(self, order, kind, amount, stamp, parent=None):
        """A successful OrderTransaction of ``amount``, on ``parent``'s gateway
        (Shopify Payments without a parent)."""
        return self._register(
            {
                "__typename": "OrderTransaction",
                "id": self._gid("OrderTransaction"),
                "kind": kind,
                "status": "SUCCESS",
                "gateway": parent["gateway"] if parent else "shopify_payments",
                "formattedGateway": parent["formattedGateway"]
                if parent
                else "Shopify Payments",
                "amountSet": _bag(amount, order["currencyCode"]),
                "createdAt": stamp,
                "processedAt": stamp,
                "parentTransaction": parent,
                "order": order,
                "test": order["test"],
                "manualPaymentGateway": False,
                "manuallyCapturable": False,
                "multiCapturable": False,
                "fees": [],
                "_amount": amount,
            }
        )

    def _apply_refunded_totals(self, order):
        """Financial status and refunded totals after a refund."""
        currency = order["currencyCode"]
        refunded = sum((refund["_total"] for refund in order["refunds"]), _ZERO)
        shipping = sum(
            (s.get("_refunded", _ZERO) for s in order["_shipping_lines"]), _ZERO
        )
        received = Decimal(order["totalReceivedSet"]["shopMoney"]["amount"])
        order["_financial_status"] = (
            "refunded" if refunded >= received else "partially_refunded"
        )
        self._apply_financial_status(order)
        order.update(
            {
                "totalRefundedSet": _bag(refunded, currency),
                "totalRefundedShippingSet": _bag(shipping, currency),
                "netPaymentSet": _bag(received - refunded, currency),
                "refundable": received > refunded,
            }
        )
