"""Models of references."""

from __future__ import annotations
