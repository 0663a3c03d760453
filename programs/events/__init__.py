"""Quarterly demos, peer clinics, live builds and their registrations."""
