"""One transaction per action (DESIGN, principle 4; ``core.unit_of_work``): services only
flush, the face commits. A face that calls several services and fails on the last one leaves
nothing written — no row and no audit event — whether the face is a page, an API handler or a
command; a commit that fails is an error, never a false success; the audit chain holds when
several services write in one transaction; on PostgreSQL the audit lock is released at the
commit."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from core.errors import Conflict
from core.extensions import db
from core.models import AuditEvent, Unit, User
from core.services import accounts, audit, campaigns, clock
from core.unit_of_work import UnitOfWorkFailed, unit_of_work
from tests.support import api_token, bearer, database_kind

TABLES = (Unit, User, AuditEvent)


def committed() -> dict[str, int]:
    """Rows per table as another connection sees them: only what was committed."""
    with db.engine.connect() as connection:
        return {model.__tablename__: connection.scalar(
            select(func.count()).select_from(model.__table__)) for model in TABLES}


def _admin() -> User:
    return db.session.scalar(select(User).where(User.username == "admin"))


def two_services_second_fails() -> str:
    """A face's body: create a unit (written, flushed, audited), then a user of a unit that
    does not exist (refused)."""
    admin = _admin()
    accounts.create_unit("so-moi", "Sở Mới", "Sở M", actor=admin)
    accounts.create_user("moi.canbo", "Cán bộ Sở Mới", "Song-Hau-mua-xuan-2024", unit_code="so-khong-co",
                         role="officer", actor=admin)
    return "ok"


@pytest.mark.parametrize("path", ["/test/two-services", "/api/test/two-services"])
def test_a_request_whose_second_service_fails_writes_nothing(app, client, demo, path):
    app.add_url_rule(path, view_func=two_services_second_fails, methods=["POST"])
    before = committed()
    response = client.post(path)
    assert response.status_code == 422
    if path.startswith("/api/"):
        assert response.get_json()["error"]["code"] == "validation_failed"
    assert committed() == before
    assert db.session.scalar(select(Unit.id).where(Unit.code == "so-moi")) is None


def test_a_request_that_succeeds_is_committed_before_it_answers(app, client, demo):
    def two_services() -> tuple[str, int]:
        admin = _admin()
        accounts.create_unit("so-moi", "Sở Mới", "Sở M", actor=admin)
        accounts.create_user("moi.canbo", "Cán bộ Sở Mới", "Song-Hau-mua-xuan-2024", unit_code="so-moi",
                             role="officer", actor=admin)
        return "ok", 201

    app.add_url_rule("/test/two-services-ok", view_func=two_services, methods=["POST"])
    before = committed()
    assert client.post("/test/two-services-ok").status_code == 201
    after = committed()
    assert after["units"] == before["units"] + 1 and after["users"] == before["users"] + 1
    assert after["audit_events"] == before["audit_events"] + 2
    assert audit.verify_chain().ok


def test_a_failed_commit_is_an_error_page_not_a_success(app, client, demo):
    def late_failure() -> str:
        accounts.create_unit("so-moi", "Sở Mới", "Sở M", actor=_admin())
        # Only the commit's flush finds that this code is taken.
        db.session.add(Unit(code="so-tttt", name="Trùng", short_name="T",
                            created_at=clock.now()))
        return "saved"

    app.add_url_rule("/test/late-failure", view_func=late_failure, methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production: the 500 page
    before = committed()
    response = client.post("/test/late-failure")
    assert response.status_code == 500
    assert "saved" not in response.get_data(as_text=True)
    assert committed() == before


def test_the_import_fails_on_its_last_user_and_writes_nothing(app, client, demo, monkeypatch):
    """The import calls ``accounts.create_unit`` and ``accounts.create_user`` for each row;
    a user taken by someone else meanwhile refuses the whole file."""
    book = Workbook()
    book.active.title = "Đơn vị"
    book.active.append(["Mã đơn vị", "Tên đơn vị", "Tên viết tắt"])
    book.active.append(["so-xd", "Sở Xây dựng", "Sở XD"])
    people = book.create_sheet("Người dùng")
    people.append(["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Vai trò", "Mật khẩu"])
    people.append(["xd.canbo", "Nguyễn Thị Hoa", "so-xd", "cán bộ", "Song-Hau-mua-xuan-2024"])
    people.append(["xd.thutruong", "Trần Văn Bình", "so-xd", "thủ trưởng", "Song-Hau-mua-xuan-2024"])
    data = io.BytesIO()
    book.save(data)
    headers = bearer(api_token(client, "admin"))
    real = accounts.create_user

    def taken_meanwhile(username: str, *args, **kwargs) -> User:
        if username == "xd.thutruong":
            raise Conflict("Tên đăng nhập đã tồn tại.", code="user_exists")
        return real(username, *args, **kwargs)

    monkeypatch.setattr(accounts, "create_user", taken_meanwhile)
    before = committed()
    response = client.post("/api/v1/imports", headers=headers, data={
        "file": (io.BytesIO(data.getvalue()), "tinh.xlsx"), "apply": "true"},
        content_type="multipart/form-data")
    assert response.status_code == 409, response.get_json()
    assert committed() == before
    monkeypatch.setattr(accounts, "create_user", real)
    response = client.post("/api/v1/imports", headers=headers, data={
        "file": (io.BytesIO(data.getvalue()), "tinh.xlsx"), "apply": "true"},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    after = committed()
    assert after["units"] == before["units"] + 1 and after["users"] == before["users"] + 2
    # One event per unit and user (written by accounts) and one for the import, chained in
    # the order they were written inside the one transaction.
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(4)))
    assert [e.action for e in reversed(events)] == [
        "unit.create", "user.create", "user.create", "import.apply"]
    assert audit.verify_chain().ok


def test_a_command_whose_last_service_fails_writes_nothing(app, runner, monkeypatch):
    """``flask demo`` creates users and units, then opens the campaigns: a failure there
    leaves no user, no unit and no audit event."""
    def refuse(*args, **kwargs):
        raise Conflict("Không mở được năm thi đua.")

    monkeypatch.setattr(campaigns, "open_campaign", refuse)
    before = committed()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert isinstance(result.exception, Conflict)
    assert committed() == before


def test_users_create_command_commits(app, runner):
    result = runner.invoke(args=["users", "create", "quantri", "--admin", "--full-name",
                                 "Quản trị"], input="Song-Hau-mua-xuan-2024\nSong-Hau-mua-xuan-2024\n")
    assert result.exit_code == 0, result.output
    assert committed()["users"] == 1
    refused = runner.invoke(args=["users", "create", "xd.canbo", "--unit", "so-khong-co",
                                  "--role", "officer"], input="Song-Hau-mua-xuan-2024\nSong-Hau-mua-xuan-2024\n")
    assert refused.exit_code != 0
    assert "Không có đơn vị mã 'so-khong-co'" in refused.output
    assert committed() == {"units": 0, "users": 1, "audit_events": 1}


def test_blocks_commit_roll_back_and_nest(app):
    with unit_of_work():
        accounts.create_unit("so-a", "Sở A", "A", actor=None)
        with unit_of_work():  # joins the outer block: nothing is committed yet
            accounts.create_unit("so-b", "Sở B", "B", actor=None)
        assert committed()["units"] == 0
    assert committed() == {"units": 2, "users": 0, "audit_events": 2}

    with pytest.raises(Conflict), unit_of_work():
        accounts.create_unit("so-c", "Sở C", "C", actor=None)
        accounts.create_unit("so-a", "Sở A lặp", "A", actor=None)
    assert committed()["units"] == 2

    # A failure inside a nested block, swallowed on the way out, still fails the whole unit.
    with pytest.raises(UnitOfWorkFailed), unit_of_work():
        accounts.create_unit("so-d", "Sở D", "D", actor=None)
        try:
            with unit_of_work():
                accounts.create_unit("so-a", "Sở A lặp", "A", actor=None)
        except Conflict:
            pass
    assert committed() == {"units": 2, "users": 0, "audit_events": 2}
    assert audit.verify_chain().ok


@pytest.mark.skipif(database_kind() != "postgresql", reason="the advisory lock is PostgreSQL's")
def test_the_audit_lock_is_held_until_the_commit(app):
    key = audit._ADVISORY_LOCK_KEY

    def free_elsewhere() -> bool:
        with db.engine.connect() as other:
            taken = other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})
            other.rollback()
            return bool(taken)

    assert free_elsewhere()
    with unit_of_work():
        accounts.create_unit("so-a", "Sở A", "A", actor=None)
        accounts.create_unit("so-b", "Sở B", "B", actor=None)
        assert not free_elsewhere()
    assert free_elsewhere()
    with pytest.raises(Conflict), unit_of_work():
        accounts.create_unit("so-c", "Sở C", "C", actor=None)
        accounts.create_unit("so-a", "Sở A lặp", "A", actor=None)
    assert free_elsewhere()
    assert audit.verify_chain().ok
