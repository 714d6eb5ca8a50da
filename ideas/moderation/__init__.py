"""Moderation: members flag content; secretariat staff hide it or dismiss the flags."""
