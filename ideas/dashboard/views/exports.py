"""Dashboard routes: exports."""
