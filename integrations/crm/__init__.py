"""The CRM port: what the domain needs from any CRM, the outbox, and the sync that drains it."""
