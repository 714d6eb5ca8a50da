"""Dashboard routes: reports."""
