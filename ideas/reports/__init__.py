"""Progress reports: what a period heard, moved, piloted and implemented; publishable."""
