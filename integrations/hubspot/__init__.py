"""HubSpot integration for Champions."""
