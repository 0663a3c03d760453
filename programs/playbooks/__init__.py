"""Playbooks: repeatable loops, their runs and their automation."""
