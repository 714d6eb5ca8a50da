"""Workflow: the stages an idea moves through, and the history of its moves."""
