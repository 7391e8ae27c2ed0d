"""The Shopify Admin API version this connector speaks and is tested against."""
API_VERSION = "2026-10"
