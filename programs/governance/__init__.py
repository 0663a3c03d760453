"""Governance: code of conduct, reports, moderation cases, health checks."""
