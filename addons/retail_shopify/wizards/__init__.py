from . import shopify_order_import_wizard
