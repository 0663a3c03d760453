"""Champions integrations with outside systems."""
