"""Dashboard routes: overview."""
