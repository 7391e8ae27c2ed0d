from . import (
    retail_pos_store,
    retail_pos_store_intake,
    retail_pos_store_tickets,
    retail_pos_store_cashups,
    retail_pos_store_demo,
    retail_pos_api_key,
    retail_pos_tax_mapping,
    retail_pos_payment_mapping,
    pos_session,
    pos_order,
)
