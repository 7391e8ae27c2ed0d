from odoo import models

from odoo.addons.retail_connector_base.services.errors import RemoteRejectedError

from ..services import contract
from ..services.generic_client import GenericClient


class Retail3plProviderGeneric(models.Model):
    """The ``generic`` adapter: the suite's own contract (outbound).

    ``services/contract.py`` defines the documents, ``services/
    generic_client.py`` sends them signed, ``openapi/retail-3pl-v1.json``
    publishes them; ``simulator/generic_provider.py`` is a provider speaking
    it, for the tests and the demo.
    """

    _inherit = "retail.3pl.provider"  # pylint: disable=consider-merging-classes-inherited

    def _generic_client(self):
        self.ensure_one()
        return GenericClient(self._threepl_http(), self.sudo().signing_secret)

    def generic_send_order(self, order):
        """Send the fulfilment order ``order`` (a ``retail.3pl.picking``)."""
        self.ensure_one()
        return self._generic_client().send_order(order._threepl_order_document())

    def generic_update_order(self, order, update):
        """Send the change ``update`` (a ``FulfillmentOrderUpdate``) of
        ``order``; the provider's ``UpdateAnswer``."""
        self.ensure_one()
        return self._generic_client().update_order(update)

    def generic_cancel_order(self, order):
        """Ask to cancel ``order``; the provider's ``CancelAnswer``.

        A provider that has no such order (HTTP 404) never received it: it is
        cancelled.
        """
        self.ensure_one()
        request = contract.CancelRequest(
            message_id=order.cancel_message_id,
            order_ref=order.external_id,
            reason=order.cancel_reason or None,
        )
        try:
            return self._generic_client().cancel_order(request)
        except RemoteRejectedError as exc:
            if exc.details.get("status") != 404:
                raise
            return contract.CancelAnswer(
                status="cancelled",
                reason="The provider has no such order: it never received it.",
            )

    def generic_send_receipt(self, notice):
        """Announce a receipt (a :class:`~..services.contract.ReceiptNotice`)."""
        self.ensure_one()
        return self._generic_client().send_receipt(notice)

    def generic_fetch_inventory(self, warehouse):
        """What the provider's shelves hold in ``warehouse`` (InventoryAnswer)."""
        self.ensure_one()
        return self._generic_client().fetch_inventory(warehouse.code)
