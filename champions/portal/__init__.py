"""The member portal: server-rendered pages for champions under /portal/ (docs/portal.md)."""
