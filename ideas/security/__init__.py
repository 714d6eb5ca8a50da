"""Security: the deny-by-default access table and production start-up checks."""
