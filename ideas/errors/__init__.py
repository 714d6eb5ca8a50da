"""Errors: the site's own error pages."""
