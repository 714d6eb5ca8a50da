"""Groups: topic and department groups, and their memberships."""
