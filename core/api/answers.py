"""Read-only API answers kept per data version (issue 15): the campaign, its status grid,
its ranking, the board's dashboard, the history of a bloc or a unit and the list of
campaigns cost 8–50 ms of CPU to build and are asked far more often than anything changes.

An answer is kept under everything it depends on, so that a kept answer is always the one
the view would build now:

* the **data version**: the id of the newest audit event. Every write of the application
  is audited in its own transaction (``core.services.audit.record``), so any write that
  commits moves it; a write rolled back leaves it (and the data) as they were;
* the **moment**, to the second (``clock.now()``): timelines and deadlines read it;
* the **person** (user id and session version: their role, unit and rights) and the
  **language**;
* the **installation**: the plugins registered (and their state) and the ``THIDUA_*``
  settings, which tests and admins may change while the app runs;
* the request: endpoint, its arguments and the query string.

Only 200 answers are kept; authentication runs before (``token_required``) and the view's
own permission check is part of the answer (a refusal is never kept). Each process keeps
its own (``THIDUA_ANSWER_CACHE_SIZE`` answers, least recently used first out; 0 turns it
off); nothing is shared between processes, so two gunicorn workers never disagree for
longer than one audited write takes to commit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from flask_babel import get_locale
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEvent
from core.services import clock

DEFAULT_SIZE = 512


class AnswerCache:
    """A small thread-safe LRU of (status, body, mimetype) by key."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._answers.get(key)
            if found is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple, answer: tuple[bytes, str]) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)


def cache() -> AnswerCache | None:
    """The app's answer cache (None when ``THIDUA_ANSWER_CACHE_SIZE`` is 0)."""
    found = current_app.extensions.get("thidua_answers")
    size = int(current_app.config.get("THIDUA_ANSWER_CACHE_SIZE", DEFAULT_SIZE) or 0)
    if size <= 0:
        return None
    if found is None or found.size != size:
        found = current_app.extensions["thidua_answers"] = AnswerCache(size)
    return found


def data_version() -> int:
    """The id of the newest audit event (0 when the log is empty)."""
    return db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _installation() -> tuple:
    host = current_app.extensions["thidua"]
    plugins = tuple((name, record.status) for name, record in host.records.items())
    settings = tuple(sorted((k, repr(v)) for k, v in current_app.config.items()
                            if k.startswith("THIDUA_")))
    return id(host), plugins, tuple(host.builtins), hash(settings)


def key_for(user: Any) -> tuple:
    return (request.endpoint, tuple(sorted(request.view_args.items())),
            request.query_string, user.id, getattr(user, "session_version", None),
            str(get_locale()), clock.now().replace(microsecond=0), data_version(),
            _installation())


def kept(view: Callable[..., Response]) -> Callable[..., Response]:
    """Keep the view's 200 answers per data version (see the module); put it under
    ``token_required``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        answers = cache()
        if answers is None:
            return view(*args, **kwargs)
        key = key_for(g.api_user)
        found = answers.get(key)
        if found is not None:
            body, mimetype = found
            return Response(body, status=200, mimetype=mimetype)
        response = view(*args, **kwargs)
        if response.status_code == 200 and not response.is_streamed:
            answers.put(key, (response.get_data(), response.mimetype))
        return response

    return wrapper
