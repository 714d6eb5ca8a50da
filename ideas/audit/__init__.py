"""Audit: the append-only log of every accountable action."""
