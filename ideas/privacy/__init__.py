"""Privacy: a member's data archive, account deletion by anonymisation, the privacy page."""
