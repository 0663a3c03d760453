"""Accounts, champions, guilds, memberships, invitations, the activity log and consent."""
