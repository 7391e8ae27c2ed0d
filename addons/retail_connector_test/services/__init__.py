from . import partner_payload
