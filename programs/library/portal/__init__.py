"""The template library section of the member portal (/portal/templates/, docs/portal.md)."""
