"""Plain-Python services shared by retail connectors (no ORM imports)."""
