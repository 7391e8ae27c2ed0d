"""A Shopify Admin API simulator used by the tests and the demo."""
