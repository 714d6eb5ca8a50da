"""Consistent online backups of the database, and restoring them."""
