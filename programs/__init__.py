"""The program's work, one Django app per topic (see docs/decisions/0002-programs-as-apps.md)."""
