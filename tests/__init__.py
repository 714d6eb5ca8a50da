"""Test suite for Ideas."""
