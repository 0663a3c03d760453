"""The recognition section of the member portal (/portal/recognition/, docs/portal.md)."""
