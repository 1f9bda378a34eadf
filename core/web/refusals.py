"""A service's refusal as a page shows it: the one helper every page uses.

When a service says no (``DomainError``), the page is shown again with the service's
Vietnamese message at the top, each field error next to its field, what the user typed kept
(the page's own business), and the service's HTTP status. Refusals of permission and of a
missing record (``Forbidden``, ``NotFound``) go to the error page instead, unless the page
asks to keep them.

    try:
        service.do(...)
    except DomainError as exc:
        refused = as_refusal(exc)          # rolls the transaction back; may re-raise
        refused.place(form)             # WTForms pages: field errors onto the fields
        return render(..., problems=refused), refused.status
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import DomainError, Forbidden, NotFound
from core.extensions import db

#: The refusals that go to the error page rather than stay on the form (the default).
TO_ERROR_PAGE: tuple[type[DomainError], ...] = (Forbidden, NotFound)


@dataclass
class Refusal:
    """A service's refusal, as the page shows it. The empty one (no message, status 200)
    stands for "nothing refused"."""

    message: str | None = None
    status: int = 200
    fields: dict[str, list[str]] = field(default_factory=dict)

    def get(self, key: str) -> list[str]:
        """The errors of field ``key``."""
        return self.fields.get(key, [])

    def row(self, prefix: str, index: int, name: str | None = None) -> list[str]:
        """Errors of ``prefix[index]`` (the row as a whole) or ``prefix[index].name``."""
        key = f"{prefix}[{index}]" + (f".{name}" if name else "")
        return self.fields.get(key, [])

    def place(self, form: Any) -> list[str]:
        """Put the field errors next to the fields of a WTForms ``form`` of the same names;
        return what belongs at the top of the form: the message (unless a field already says
        it) and the field errors that have no field on this form."""
        placed: list[str] = []
        loose: list[str] = []
        for key, messages in self.fields.items():
            target = getattr(form, key, None)
            if target is not None and hasattr(target, "errors") and key != "meta":
                target.errors = list(target.errors) + list(messages)
                placed.extend(messages)
            else:
                loose.extend(messages)
        top = [] if self.message is None or self.message in placed else [self.message]
        return top + loose


def _messages(value: Any) -> list[str]:
    return [str(m) for m in (value if isinstance(value, list | tuple) else [value])]


def as_refusal(exc: DomainError, *, remap: Mapping[int, int] | None = None,
            prefix: str = "items",
            error_page: tuple[type[DomainError], ...] = TO_ERROR_PAGE) -> Refusal:
    """The message, field errors and status of ``exc``, after rolling the transaction back.

    ``error_page``: the kinds of refusal re-raised for the error page (``()`` keeps every
    refusal on the form). ``remap`` turns the index of an entry sent to the service into the
    index of its row on the page (when blank rows were not sent): ``prefix[3].note`` becomes
    ``prefix[remap[3]].note``.
    """
    if error_page and isinstance(exc, error_page):
        raise exc
    db.session.rollback()
    fields: dict[str, list[str]] = {}
    for key, value in exc.fields.items():
        if remap is not None and key.startswith(f"{prefix}["):
            number, _sep, rest = key[len(prefix) + 1:].partition("]")
            if number.isdigit() and int(number) in remap:
                key = f"{prefix}[{remap[int(number)]}]{rest}"
        fields.setdefault(key, []).extend(_messages(value))
    return Refusal(message=str(exc.message), status=exc.status, fields=fields)
