"""Domain errors: raised by services, shown by pages in Vietnamese, returned by the API as JSON.

A service either completes its whole transaction or raises one of these and changes nothing.
Messages are lazy gettext strings so they render in the user's language.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule said no. ``code`` is a stable snake_case identifier for the API."""

    status = 400
    code = "bad_request"

    def __init__(self, message: Any, *, code: str | None = None,
                 fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {k: [str(m) for m in v] if isinstance(v, list | tuple) else str(v)
                              for k, v in self.fields.items()}
        return {"error": body}


class ValidationFailed(DomainError):
    status = 422
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PluginError(Exception):
    """A plugin failed to load or answered a hook with something unusable."""
