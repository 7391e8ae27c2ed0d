"""The remote's partner document, validated on the base's validation module.

:func:`validate_partner` raises a PayloadValidationError naming the faulty
field (``updated_at``, ``email`` ...) of a partner the remote sent.
"""

from odoo.addons.retail_connector_base.services.validation import (
    OptionalTimestamp,
    PayloadContext,
    PayloadModel,
)


class PartnerPayload(PayloadModel):
    """The fields the connector reads (``name`` is checked by the import)."""

    id: str | int
    email: str | None = None
    phone: str | None = None
    updated_at: OptionalTimestamp = None
    parent_id: str | int | None = None


def validate_partner(payload):
    """The partner document as a model, or a PayloadValidationError."""
    label = str(payload.get("id")) if isinstance(payload, dict) else "(no id)"
    context = PayloadContext(
        "Partner",
        label,
        remote_ref=label,
        hint="The remote's document does not follow the contract: correct "
        "{path} in the remote system; its next update is imported.",
    )
    return context.validate(PartnerPayload, payload)
