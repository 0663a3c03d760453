"""Models of governance."""

from __future__ import annotations
