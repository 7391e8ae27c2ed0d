"""Plain-Python services of the Shopify connector (no ORM)."""
