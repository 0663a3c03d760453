"""Models of recognition."""

from __future__ import annotations
