"""The unit of work: one transaction per action, committed at the edge (DESIGN, principle 4).

Services validate, add, flush and append audit events; they never commit and never roll back,
so one service can call another and a failure anywhere undoes the whole action. The face that
calls them owns the transaction:

* **A request** (every page and every API handler): :func:`init_app` installs one policy for
  the whole app. When the view has produced its response, the transaction is committed if
  the response is a success (status below 400) and rolled back otherwise, so a refusal (4xx)
  or an error (5xx) changes nothing. The commit runs before the response leaves: if it
  fails, the user gets the error page (500), never a false success. A GET that writes (a
  final document is stored the first time it is downloaded) is committed like a POST.
* **A command, a script, a test**: ``with unit_of_work(): ...`` or ``@transactional``.

Blocks nest: an inner block joins the outer one and only the outermost commits. A failure
inside an inner block fails the whole unit: the outermost block rolls back, and raises
:class:`UnitOfWorkFailed` if the error was swallowed on the way out. Inside a request, a
view may commit its work early with ``with unit_of_work():`` (the ballot page does, so the
vote is committed before its receipt is shown); the request's policy commits whatever is
left.

On PostgreSQL the audit log's advisory lock (``pg_advisory_xact_lock``, taken by each audited
write) is held until the commit or the rollback made here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import Flask, Response
from sqlalchemy.orm import Session

from core.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_OPEN = "thidua.unit_of_work"  # key in Session.info: the open outermost block's state


class UnitOfWorkFailed(RuntimeError):
    """A nested block failed and its error was caught before the outermost block ended:
    the whole unit was rolled back rather than committed in part."""


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run the block in one transaction: commit when it ends, roll back on any exception."""
    session = db.session()
    state: dict[str, bool] | None = session.info.get(_OPEN)
    if state is not None:  # nested: join the outer block
        try:
            yield session
        except BaseException:
            state["failed"] = True
            raise
        return
    state = {"failed": False}
    session.info[_OPEN] = state
    try:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if state["failed"]:
            session.rollback()
            raise UnitOfWorkFailed("a nested unit of work failed; the whole unit was rolled back")
        try:
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.info.pop(_OPEN, None)


def transactional(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a command (or any function) to run in its own unit of work."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with unit_of_work():
            return func(*args, **kwargs)

    return wrapper


def in_unit_of_work() -> bool:
    """Whether a ``unit_of_work`` block is open on the current session."""
    return _OPEN in db.session().info


def finish_request(response: Response) -> Response:
    """The request's policy: commit a success, roll back a refusal or an error. (Inside an
    open ``unit_of_work`` block — a test that wraps requests in one — the block decides; a
    failed request fails it.)"""
    session = db.session()
    state: dict[str, Any] | None = session.info.get(_OPEN)
    success = response.status_code < 400
    if state is not None:
        if not success:
            session.rollback()
            state["failed"] = True
        return response
    if not session.in_transaction():
        return response
    if success:
        session.commit()  # raises before the response is sent: the user sees an error
    else:
        session.rollback()
    return response


def init_app(app: Flask) -> None:
    """Install the request policy. It is put first in the app's list of ``after_request``
    functions, which Flask runs last to first, so it runs after every other one (the
    blueprints' run before the app's)."""
    app.after_request_funcs.setdefault(None, []).insert(0, finish_request)
