"""Domain errors raised by services and mapped back onto forms or pages by views."""


class DomainError(Exception):
    """A rule was broken; `field` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    """The actor may not do this to this object (views answer 403)."""
