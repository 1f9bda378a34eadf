"""Units, users, passwords, sign-in limits and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.extensions import db
from core.models import ApiToken, Unit, User
from core.services import account_seal, audit, clock, permissions, sign_in_throttle
from core.validators import (
    normalise,
    password_problem,
    slug_problem,
    text_problem,
    username_problem,
)

_HASHERS: dict[tuple, tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """The argon2 hasher for the app's cost settings (``THIDUA_ARGON2``), and a hash of a
    random password that is checked when the user does not exist, so that a wrong username
    costs as much time as a wrong password."""
    params = current_app.config.get("THIDUA_ARGON2") or {}
    key = tuple(sorted(params.items()))
    if key not in _HASHERS:
        hasher = PasswordHasher(**params)
        _HASHERS[key] = (hasher, hasher.hash(secrets.token_urlsafe(16)))
    return _HASHERS[key]


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
    retry_after = 0  # seconds


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"


class AccountChangedOutside(DomainError):
    """The right password, but the account's row no longer matches its seal
    (core/services/account_seal.py): refused until an admin reseals it."""
    status = 403
    code = "account_changed_outside"


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


_DEMO_HASHES: dict[tuple, str] = {}


def _demo_hash(password: str) -> str:
    """The demo accounts' shared, published password hashed once per process and cost
    setting: building the demo hashed it 29 times (85% of ``flask demo``). The accounts then
    share one salt, which tells nothing the README does not already say."""
    key = (tuple(sorted((current_app.config.get("THIDUA_ARGON2") or {}).items())), password)
    if key not in _DEMO_HASHES:
        _DEMO_HASHES[key] = hash_password(password)
    return _DEMO_HASHES[key]


def _password_matches(user: User | None, password: str) -> bool:
    hasher, dummy = _hasher()
    try:
        return hasher.verify(user.password_hash if user else dummy, password) and \
            user is not None
    except (VerificationError, InvalidHashError):
        return False


def authenticate(username: str, password: str, *, address: str | None = None) -> User:
    """Check a username and password, slowed down per account and address
    (core/services/sign_in_throttle.py): never a hard lock, and failures from elsewhere do
    not slow an address the account already signed in from."""
    wait = sign_in_throttle.check(username, address)
    if wait is not None:
        refused = TooManyAttempts(
            _l("Đăng nhập sai nhiều lần nên phải chờ: vui lòng thử lại sau %(num)d giây.",
               num=wait.seconds))
        refused.retry_after = wait.seconds
        raise refused
    key = sign_in_throttle.account_key(username)
    user = db.session.scalar(select(User).where(func.lower(User.username) == key))
    if not _password_matches(user, password) or not user.active:
        sign_in_throttle.record_failure(username, address)
        raise InvalidCredentials(_l("Tên đăng nhập hoặc mật khẩu không đúng."))
    if not account_seal.intact(user):
        current_app.logger.warning("account %s changed outside the application: sign-in "
                                   "refused", user.username)
        raise AccountChangedOutside(_l("Tài khoản này đã bị thay đổi ngoài ứng dụng nên tạm "
                                       "không dùng được. Vui lòng liên hệ quản trị hệ thống."))
    sign_in_throttle.record_success(user, address)
    return user


def record_sign_in(user: User, *, via: str) -> None:
    audit.record("user.sign_in", "user", user.username, actor=user, details={"via": via})


def change_password(user: User, current: str, new: str) -> None:
    if not _password_matches(user, current):
        raise ValidationFailed(_l("Mật khẩu hiện tại không đúng."),
                               fields={"current": [_l("Mật khẩu hiện tại không đúng.")]})
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    end_all_sessions(user)
    audit.record("user.change_password", "user", user.username, actor=user)


def end_all_sessions(user: User, *, tokens: bool = True) -> None:
    """Every session and remember-me cookie of the user made before now stops working (they
    carry the old session version), and, with ``tokens``, every API token is revoked. The
    browser that asked signs in again (``core.web.auth.renew_session``) if it should stay."""
    user.session_version = (user.session_version or 0) + 1
    if tokens:
        revoke_tokens(user)


def sign_out_everywhere(user: User) -> None:
    """The user ends all their browser sessions (API tokens are revoked one by one with
    ``DELETE /api/v1/tokens``, or all together by changing the password)."""
    end_all_sessions(user, tokens=False)
    audit.record("user.sign_out_everywhere", "user", user.username, actor=user)


def revoke_tokens(user: User) -> None:
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked.is_(False))):
        token.revoked = True


def user_for_session(identity: str) -> User | None:
    """The user of a session or remember-me cookie identity (``"<id>:<session version>"``,
    :meth:`User.get_id`); None when it is malformed, the user is inactive, or the user's
    sessions were ended since it was made."""
    user_id, sep, version = (identity or "").partition(":")
    if not sep or not user_id.isdigit() or not version.isdigit() or len(identity) > 40:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or (user.session_version or 0) != int(version):
        return None
    if not account_seal.intact(user):
        current_app.logger.warning("account %s changed outside the application: session "
                                   "refused", user.username)
        return None
    return user


def _problems(checks: dict[str, list[str | None]]) -> dict[str, list[str]]:
    """The fields that have problems, each with its first problem."""
    found: dict[str, list[str]] = {}
    for field_name, problems in checks.items():
        first = next((p for p in problems if p), None)
        if first:
            found[field_name] = [first]
    return found


def unit_problems(code: str, name: str, short_name: str) -> dict[str, list[str]]:
    """What is wrong with a new unit's fields, by field (empty when they are fine)."""
    return _problems({
        "code": [text_problem(code, required=True, max_length=40), slug_problem(code)],
        "name": [text_problem(name, required=True, max_length=200)],
        "short_name": [text_problem(short_name, required=True, max_length=80)],
    })


def user_problems(username: str, full_name: str, password: str, *,
                  unit_code: str | None = None, role: str | None = None,
                  check_password: bool = True) -> dict[str, list[str]]:
    """What is wrong with a new user's fields, by field (empty when they are fine). Whether
    the unit exists and goes with the role is checked by :func:`create_user`."""
    return _problems({
        "username": [text_problem(username, required=True, max_length=60),
                     username_problem(username)],
        "full_name": [text_problem(full_name, required=True, max_length=200)],
        "password": [text_problem(password, required=True, max_length=200),
                     password_problem(password, context=(username, full_name))
                     if check_password else
                     (None if len(password or "") >= 10 else "Mật khẩu phải có ít nhất 10 ký tự.")],
        "unit": [text_problem(unit_code, required=False, max_length=40),
                 slug_problem(unit_code)],
        "role": ["Chọn cán bộ phụ trách hoặc thủ trưởng."
                 if role and role not in ("officer", "head") else None],
    })


def create_unit(code: str, name: str, short_name: str, *, actor: User | None) -> Unit:
    if actor is not None:
        permissions.require(permissions.is_admin(actor), _l("Chỉ quản trị viên được tạo đơn vị."))
    code, name, short_name = normalise(code), normalise(name), normalise(short_name)
    problems = unit_problems(code, name, short_name)
    if problems:
        raise ValidationFailed(_l("Dữ liệu không hợp lệ."), fields=problems)
    if db.session.scalar(select(Unit.id).where(Unit.code == code)):
        raise Conflict(_l("Mã đơn vị '%(code)s' đã tồn tại.", code=code), code="unit_exists",
                       fields={"code": [_l("Mã đơn vị đã tồn tại.")]})
    unit = Unit(code=code, name=name, short_name=short_name, created_at=clock.now())
    db.session.add(unit)
    try:
        db.session.flush()
        audit.record("unit.create", "unit", code, actor=actor,
                     details={"name": name, "short_name": short_name})
    except IntegrityError as exc:  # created by a concurrent request: the caller rolls back
        raise Conflict(_l("Mã đơn vị '%(code)s' đã tồn tại.", code=code),
                       code="unit_exists") from exc
    return unit


def role_problem(unit_code: str | None, role: str | None) -> tuple[str, str] | None:
    """(field, message) when a unit and a role do not go together: a unit's staff needs a
    role (officer or head); a role needs a unit."""
    if unit_code and role not in ("officer", "head"):
        return "role", _l("Người thuộc đơn vị phải có vai trò officer (cán bộ) hoặc head "
                          "(thủ trưởng).")
    if not unit_code and role:
        return "unit", _l("Vai trò chỉ áp dụng cho người thuộc một đơn vị.")
    return None


def create_user(username: str, full_name: str, password: str, *, unit_code: str | None = None,
                role: str | None = None, board: bool = False, admin: bool = False,
                actor: User | None, demo_password: bool = False) -> User:
    """Create a user. ``actor`` None means the command line (trusted). ``demo_password``:
    the demo's accounts share a password printed in the README (not a secret, so the
    guessability rule is not applied to it; the length rule still is)."""
    if actor is not None:
        permissions.require(permissions.is_admin(actor), _l("Chỉ quản trị viên được tạo tài khoản."))
    username, full_name = normalise(username).lower(), normalise(full_name)
    unit_code, role = normalise(unit_code) or None, role or None
    problems = user_problems(username, full_name, password, unit_code=unit_code, role=role,
                             check_password=not demo_password)
    if problems:
        raise ValidationFailed(_l("Dữ liệu không hợp lệ."), fields=problems)
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise ValidationFailed(_l("Không có đơn vị mã '%(code)s'.", code=unit_code),
                                   fields={"unit": [_l("Không có đơn vị này.")]})
    problem = role_problem(unit_code, role)
    if problem:
        raise ValidationFailed(problem[1], fields={problem[0]: [problem[1]]})
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise Conflict(_l("Tên đăng nhập '%(name)s' đã tồn tại.", name=username),
                       code="user_exists", fields={"username": [_l("Tên đăng nhập đã tồn tại.")]})
    hashed = _demo_hash(password) if demo_password else hash_password(password)
    user = User(username=username, full_name=full_name, password_hash=hashed,
                unit=unit, role=role if unit else None, is_board=board, is_admin=admin,
                created_at=clock.now())
    db.session.add(user)
    try:
        db.session.flush()
        audit.record("user.create", "user", username, actor=actor, details={
            "unit": unit_code, "role": role, "board": board, "admin": admin})
    except IntegrityError as exc:  # created by a concurrent request: the caller rolls back
        raise Conflict(_l("Tên đăng nhập '%(name)s' đã tồn tại.", name=username),
                       code="user_exists") from exc
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# How often ``last_used_at`` is written (not on every request).
_LAST_USED_STEP = timedelta(minutes=5)


def issue_token(user: User) -> str:
    """A new bearer token, shown once (see :func:`new_token`)."""
    return new_token(user)[0]


def new_token(user: User) -> tuple[str, ApiToken]:
    """A new bearer token, shown once, and its row; only its SHA-256 is stored. It expires
    after ``THIDUA_TOKEN_TTL_HOURS``."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    hours = float(current_app.config.get("THIDUA_TOKEN_TTL_HOURS") or 12)
    row = ApiToken(user=user, token_hash=_token_digest(token), created_at=now,
                   expires_at=now + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    audit.record("token.issue", "user", user.username, actor=user)
    return token, row


def token_row(token: str) -> ApiToken | None:
    """The live row of a bearer token: not revoked, not expired, its user active."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token),
                                                   ApiToken.revoked.is_(False))
                            # one query, not three: the user and their unit with the token
                            .options(joinedload(ApiToken.user).joinedload(User.unit)))
    if row is None or not row.user.active or not account_seal.intact(row.user):
        return None
    now = clock.now()
    if row.expires_at is None or row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at >= _LAST_USED_STEP:
        row.last_used_at = now
    return row


def user_for_token(token: str) -> User | None:
    row = token_row(token)
    return row.user if row is not None else None


def revoke_token(row: ApiToken) -> None:
    """The bearer gives up its own token (``DELETE /api/v1/tokens``)."""
    row.revoked = True
    audit.record("token.revoke", "user", row.user.username, actor=row.user,
                 details={"token": row.id})


def live_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    now = clock.now()
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False),
                               ApiToken.expires_at > now)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def get_unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(_l("Không có đơn vị mã '%(code)s'.", code=code))
    return unit


def update_unit(code: str, *, name: str | None = None, short_name: str | None = None,
                active: bool | None = None, actor: User) -> Unit:
    permissions.require(permissions.is_admin(actor), _l("Chỉ quản trị viên được sửa đơn vị."))
    unit = get_unit(code)
    for field_name, value in (("name", name), ("short_name", short_name)):
        if value is not None and not value.strip():
            raise ValidationFailed(_l("Tên đơn vị không được để trống."),
                                   fields={field_name: [_l("Bắt buộc.")]})
    changes = {}
    for field_name, value in (("name", name), ("short_name", short_name), ("active", active)):
        if value is not None and getattr(unit, field_name) != value:
            changes[field_name] = value
            setattr(unit, field_name, value)
    audit.record("unit.update", "unit", code, actor=actor, details=changes)
    return unit


def get_user(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise NotFound(_l("Không có tài khoản '%(name)s'.", name=username[:60]))
    return user


def update_user(username: str, *, full_name: str | None = None, unit_code: str | None = None,
                role: str | None = None, board: bool | None = None, admin: bool | None = None,
                active: bool | None = None, actor: User) -> User:
    """Edit a user: name, unit and role (together), board and admin flags, active."""
    permissions.require(permissions.is_admin(actor), _l("Chỉ quản trị viên được sửa tài khoản."))
    user = get_user(username)
    if user.id == actor.id and (active is False or admin is False):
        raise ValidationFailed(_l("Không tự khóa hoặc tự bỏ quyền quản trị của chính mình."),
                               fields={"active": [_l("Không áp dụng cho chính bạn.")]})
    changes: dict = {}
    if unit_code is not None or role is not None:
        new_unit = (unit_code or None) if unit_code is not None else (
            user.unit.code if user.unit else None)
        new_role = (role or None) if role is not None else user.role
        problem = role_problem(new_unit, new_role)
        if problem:
            raise ValidationFailed(problem[1], fields={problem[0]: [problem[1]]})
        user.unit = get_unit(new_unit) if new_unit else None
        user.role = new_role if new_unit else None
        changes.update(unit=new_unit, role=user.role)
    for field_name, attribute, value in (("full_name", "full_name", full_name),
                                         ("board", "is_board", board),
                                         ("admin", "is_admin", admin),
                                         ("active", "active", active)):
        if value is not None and getattr(user, attribute) != value:
            setattr(user, attribute, value)
            changes[field_name] = value
    if active is False:
        end_all_sessions(user)
    audit.record("user.update", "user", user.username, actor=actor, details=changes)
    return user


def reset_password(username: str, new_password: str, *, actor: User) -> None:
    """An admin sets a new password; every session of the user ends and the user's API
    tokens are revoked."""
    permissions.require(permissions.is_admin(actor),
                        _l("Chỉ quản trị viên được đặt lại mật khẩu."))
    user = get_user(username)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = clock.now()
    end_all_sessions(user)
    audit.record("user.reset_password", "user", user.username, actor=actor)


def unlock_sign_in(username: str, *, actor: User) -> int:
    """An admin clears the failed sign-ins of an account and their delays (audited)."""
    permissions.require(permissions.is_admin(actor),
                        _l("Chỉ quản trị viên được xóa bộ đếm đăng nhập sai."))
    return sign_in_throttle.unlock(get_user(username), actor=actor)


def reseal(username: str, *, reason: str, actor: User | None) -> None:
    """Accept an account row changed outside the application, after an admin looked at it
    (``flask --app wsgi users reseal``); audited with the row as it is now."""
    user = get_user(username)
    account_seal.reseal(user)
    audit.record("user.reseal", "user", user.username, actor=actor,
                 details={"reason": reason, "admin": user.is_admin, "board": user.is_board,
                          "active": user.active, "role": user.role, "unit_id": user.unit_id})


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.username)))


def list_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.name)))
