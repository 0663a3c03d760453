"""The events section of the member portal (/portal/events/, docs/portal.md)."""
