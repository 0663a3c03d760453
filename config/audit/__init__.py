"""The audit trail: django-auditlog, set up for this program (RELIABILITY.md items 23, 26).

Which models and fields are recorded, and which are masked, is in the settings
(`AUDITLOG_INCLUDE_TRACKING_MODELS`). This app adds what the program needs around it: the
client address only from a trusted proxy, records that never name the person in their title,
the erasure hook, and the read-only admin page for program managers. See docs/security.md.
"""
