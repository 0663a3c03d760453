"""Models of clinics."""

from __future__ import annotations
