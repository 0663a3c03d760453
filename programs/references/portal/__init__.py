"""The references section of the member portal (/portal/references/, docs/portal.md)."""
