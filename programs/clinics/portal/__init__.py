"""The clinics section of the member portal (/portal/clinics/, docs/portal.md)."""
