from . import shopify_backend
from . import shopify_location
from . import shopify_tax_mapping
from . import shopify_sale_order
from . import shopify_product_variant
from . import sale_order
from . import sale_order_line
from . import product_product
