"""Notifications: the in-app notification centre."""
