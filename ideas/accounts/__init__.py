"""Accounts: sign-up, sign-in, profiles, roles and departments."""
