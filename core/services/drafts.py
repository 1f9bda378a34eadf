"""Drafts of forms (issue 13: nothing typed is lost).

A draft is what one person typed in one form (field name → text), saved by the page's script
a couple of seconds after typing stops, shown again when the form is opened, deleted when the
form is saved. It is the person's own scratch copy, never a record of the bloc: nobody else
reads it, and saving it is not audited (it changes every few seconds and decides nothing);
the record is the form they save.

A *rescue* holds the fields of a form posted after the session expired (the person is not
signed in at that moment): kept under a one-time random token, of which only the SHA-256 is
stored, for :data:`RESCUE_TTL`. The token travels in the sign-in page's return address; after
sign-in the form's page claims it (:func:`claim_rescue`) for the signed-in person, who must be
allowed to write that form, and the rescue becomes their draft. Nobody without the token
finds it, and it is gone once claimed or expired.

Form keys name the form: ``report:khoi-8:2021:so-tttt:year_end``,
``registration:khoi-8:2021:so-tttt``, ``scores:…``, ``verify:…`` (:func:`form_key`). Services do
not commit: the request does.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from core.errors import DomainError, ValidationFailed
from core.extensions import db
from core.models import FormDraft, User
from core.services import clock

#: At most this many bytes of typed text in one draft (the fields' names and values).
MAX_DRAFT_BYTES = 200_000
#: At most this many fields in one draft.
MAX_FIELDS = 600
#: How long a rescue waits for its person to sign in again.
RESCUE_TTL = timedelta(hours=2)
#: At most this many rescues waiting at once (they are posted by people not signed in).
MAX_RESCUES = 2000
#: Fields never kept in a draft: the form's protection token and its button.
NOT_KEPT = frozenset({"csrf_token", "action"})

FORM_KINDS = ("registration", "report", "scores", "verify")
_KEY_RE = re.compile(r"^(registration|report|scores|verify)(:[A-Za-z0-9_.-]{1,60}){3,4}$")


class DraftTooLarge(DomainError):
    status = 413
    code = "draft_too_large"


def form_key(kind: str, bloc: str, year: int, unit: str, *extra: str) -> str:
    """The key of a form: ``report:khoi-8:2021:so-tttt:year_end``."""
    key = ":".join([kind, bloc, str(year), unit, *extra])
    if not _KEY_RE.match(key):
        raise ValidationFailed(_l("Mã biểu mẫu không hợp lệ."),
                               fields={"form": [_l("Mã biểu mẫu không hợp lệ.")]})
    return key


def clean_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """The fields worth keeping, as text; 422 for a value that is not text, 413 when too
    large."""
    kept: dict[str, str] = {}
    size = 0
    for name, value in fields.items():
        if name in NOT_KEPT:
            continue
        if not isinstance(name, str) or not isinstance(value, str | bool | int | float) \
                or len(name) > 100:
            raise ValidationFailed(_l("Bản nháp không hợp lệ."),
                                   fields={"fields": [_l("Mỗi trường phải là văn bản.")]})
        text = value if isinstance(value, str) else ("y" if value is True else str(value))
        if value is False:
            continue
        kept[name] = text
        size += len(name.encode()) + len(text.encode())
    if size > MAX_DRAFT_BYTES or len(kept) > MAX_FIELDS:
        raise DraftTooLarge(_l("Bản nháp quá lớn để lưu tự động (tối đa %(kb)d KB); hãy bấm "
                               "“Lưu nháp”.", kb=MAX_DRAFT_BYTES // 1000))
    return kept


def get(user: User, key: str) -> FormDraft | None:
    """The person's draft of the form, if any."""
    return db.session.scalar(select(FormDraft).where(FormDraft.user_id == user.id,
                                                     FormDraft.form_key == key))


def save(user: User, key: str, fields: Mapping[str, Any]) -> FormDraft:
    """Keep what the person typed in the form (replacing their earlier draft of it)."""
    kept = clean_fields(fields)
    draft = get(user, key)
    if draft is None:
        draft = FormDraft(user_id=user.id, form_key=key, fields=kept, updated_at=clock.now())
        db.session.add(draft)
    else:
        draft.fields = kept
        draft.updated_at = clock.now()
    db.session.flush()
    return draft


def discard(user: User, key: str) -> bool:
    """Delete the person's draft of the form (the form was saved, or they gave it up)."""
    result = db.session.execute(delete(FormDraft).where(FormDraft.user_id == user.id,
                                                        FormDraft.form_key == key))
    return bool(result.rowcount)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hold_for_sign_in(key: str, fields: Mapping[str, Any]) -> str | None:
    """Keep the fields of a form posted by someone not signed in (their session expired);
    return the one-time token that finds them again, or None when nothing is worth keeping
    or too many rescues are waiting."""
    kept = clean_fields(fields)
    if not any(v.strip() for v in kept.values() if v != "y"):
        return None
    now = clock.now()
    db.session.execute(delete(FormDraft).where(FormDraft.user_id.is_(None),
                                               FormDraft.updated_at < now - RESCUE_TTL))
    waiting = db.session.scalar(select(func.count()).select_from(FormDraft)
                                .where(FormDraft.user_id.is_(None)))
    if waiting >= MAX_RESCUES:
        return None
    token = secrets.token_urlsafe(32)
    db.session.add(FormDraft(user_id=None, form_key=key, fields=kept, updated_at=now,
                             rescue_hash=_hash(token)))
    db.session.flush()
    return token


def claim_rescue(user: User, key: str, token: str) -> FormDraft | None:
    """The rescue found by ``token`` for this form, made the person's draft (once: the
    rescue is deleted). None when the token is unknown, for another form, or expired. The
    caller has checked that the person may write this form."""
    if not token or len(token) > 100:
        return None
    rescue = db.session.scalar(select(FormDraft).where(
        FormDraft.rescue_hash == _hash(token), FormDraft.user_id.is_(None)))
    if rescue is None:
        return None
    fields = dict(rescue.fields)
    usable = rescue.form_key == key and rescue.updated_at >= clock.now() - RESCUE_TTL
    db.session.delete(rescue)  # one use: a token shown for another form is spent too
    db.session.flush()
    if not usable:
        return None
    return save(user, key, fields)


def describe(draft: FormDraft) -> dict[str, Any]:
    return {"form": draft.form_key, "fields": dict(draft.fields),
            "updated_at": clock.local(draft.updated_at).isoformat()}
