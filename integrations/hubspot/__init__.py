"""HubSpot adapter of the CRM port: client, field mapping, throttle, webhooks, sandbox.

The only code in the project that imports `hubspot` or knows a HubSpot property name.
"""
