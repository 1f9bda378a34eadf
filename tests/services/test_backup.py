"""Backup and restore (issue 14, point 8): a played year with an attachment and issued
documents is backed up, restored into a fresh database (SQLite → SQLite; with PostgreSQL:
PostgreSQL → SQLite → PostgreSQL), verified (row counts, every blob's SHA-256, the audit chain
against the backup's checkpoint) and served byte-identical; what cannot verify is refused
and writes nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import Attachment, AuditEvent, IssuedDocument, Report, Unit
from core.services import attachments, audit, backup, clock
from tests.support import api_token, bearer, database_kind, make_app, row_counts
from tests.support.cycle import BASE, Api
from tests.support.databases import DATABASES
from tests.support.files import pdf_bytes

DOCUMENTS = [("tttt.canbo", "tong-hop-dang-ky"), ("vhttdl.thutruong", "dang-ky-so-vhttdl")]


def _prepare(app, client) -> dict[str, bytes]:
    """Issue two documents and attach a file to a report: what must come back identical."""
    for username, name in DOCUMENTS:
        issued = Api(client, username).post(f"/documents/{name}/issue")
        assert issued.status_code == 201, issued.get_json()
    data = pdf_bytes(pages=2)
    sha256 = hashlib.sha256(data).hexdigest()
    attachments.write_blob(sha256, data)
    report = db.session.scalar(select(Report).join(Unit).where(Unit.code == "so-vhttdl")
                               .where(Report.kind == "mid_year"))
    db.session.add(Attachment(id="0f0e0d0c-0000-4000-8000-000000000001", report=report,
                              sha256=sha256, size=len(data), content_type="application/pdf",
                              display_name="Báo cáo sơ kết.pdf", uploaded_at=clock.now(),
                              uploaded_by=None))
    audit.record("report.attach", "report", "khoi-8/2021/so-vhttdl/mid_year", actor=None,
                 details={"sha256": sha256})
    db.session.commit()
    return _served(client)


def _served(client) -> dict[str, bytes]:
    """What the app serves: every issued document and the attachment, through the API."""
    headers = bearer(api_token(client, "bantdkt"))
    served = {}
    for _username, name in DOCUMENTS:
        response = client.get(f"{BASE}/documents/{name}.pdf", headers=headers)
        assert response.status_code == 200
        served[name] = response.data
    attachment = client.get(f"{BASE}/reports/so-vhttdl/mid_year/attachments/"
                            "0f0e0d0c-0000-4000-8000-000000000001", headers=headers)
    assert attachment.status_code == 200
    served["attachment"] = attachment.data
    return served


def _restore_into(target, folder: Path):
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(folder)])
        db.session.remove()
    return result


def _check_restored(target, source_counts: dict[str, int], served: dict[str, bytes]) -> None:
    with target.app_context():
        counts = row_counts()
        # The restore itself is one more audit event.
        assert counts == {**source_counts, "audit_events": source_counts["audit_events"] + 1}
        assert audit.verify(use_anchor=True).ok
        assert attachments.check_store(hashes=True).ok
        client = target.test_client()
        assert _served(client) == served  # byte-identical
        # Sequences follow the restored ids: a new row gets the next one.
        admin = bearer(api_token(client, "admin"))
        created = client.post("/api/v1/units", headers=admin,
                              json={"code": "so-moi", "name": "Sở Mới", "short_name": "Mới"})
        assert created.status_code == 201, created.get_json()
        newest = db.session.scalar(select(Unit.id).where(Unit.code == "so-moi"))
        assert newest > max(db.session.scalars(select(Unit.id).where(Unit.code != "so-moi")))
        db.session.remove()


def test_round_trip_verified_and_served_byte_identical(app, client, played_year, tmp_path,
                                                       runner):
    served = _prepare(app, client)
    source_counts = row_counts()
    assert source_counts["issued_documents"] == 2 and source_counts["attachments"] == 1
    folder = tmp_path / "backup"
    made = runner.invoke(args=["backup", "--out", str(folder)])
    assert made.exit_code == 0, made.output
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == source_counts
    blobs = {row.sha256 for row in db.session.scalars(select(IssuedDocument))} | \
        {row.sha256 for row in db.session.scalars(select(Attachment))}
    assert set(manifest["blobs"]) == blobs
    assert manifest["checkpoint"]["count"] == source_counts["audit_events"]
    assert json.loads((folder / "checkpoint.json").read_text()) == manifest["checkpoint"]

    # Into a fresh database of the same kind.
    target = DATABASES.fresh_app(tmp_path / "same", "schema")
    try:
        restored = _restore_into(target, folder)
        assert restored.exit_code == 0, restored.output
        assert f"khớp mốc của bản sao lưu (mã cuối {manifest['checkpoint']['hash']})" in \
            restored.output
        _check_restored(target, source_counts, served)
    finally:
        DATABASES.release(target)

    if database_kind() != "postgresql":
        return
    # PostgreSQL → SQLite, then that SQLite → a fresh PostgreSQL database.
    lite = make_app(tmp_path / "lite", SQLALCHEMY_DATABASE_URI=
                    f"sqlite:///{tmp_path / 'lite' / 'thidua.sqlite'}")
    (tmp_path / "lite").mkdir(exist_ok=True)
    with lite.app_context():
        db.create_all()
    restored = _restore_into(lite, folder)
    assert restored.exit_code == 0, restored.output
    with lite.app_context():
        again = lite.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "b2")])
        assert again.exit_code == 0, again.output
        lite_counts = row_counts()
        db.session.remove()
    _check_restored(lite, source_counts, served)
    with lite.app_context():
        db.engine.dispose()
    target = DATABASES.fresh_app(tmp_path / "pg", "schema")
    try:
        restored = _restore_into(target, tmp_path / "b2")
        assert restored.exit_code == 0, restored.output
        _check_restored(target, lite_counts, served)
    finally:
        DATABASES.release(target)


@pytest.fixture
def made(app, played_year, tmp_path, runner) -> Path:
    folder = tmp_path / "backup"
    result = runner.invoke(args=["backup", "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _refused(tmp_path, folder: Path, expected: str) -> None:
    target = DATABASES.fresh_app(tmp_path / "target", "schema")
    try:
        result = _restore_into(target, folder)
        assert result.exit_code != 0 and expected in result.output, result.output
        with target.app_context():
            assert set(row_counts().values()) == {0}  # nothing written
            db.session.remove()
    finally:
        DATABASES.release(target)


def test_restore_refuses_a_database_that_is_not_empty(app, made, runner):
    before = row_counts()
    result = runner.invoke(args=["restore", str(made)])
    assert result.exit_code != 0
    assert "Chỉ khôi phục vào cơ sở dữ liệu trống" in result.output
    assert row_counts() == before


def test_backup_needs_a_new_folder(app, made, runner):
    result = runner.invoke(args=["backup", "--out", str(made)])
    assert result.exit_code != 0 and "đã có dữ liệu" in result.output


def test_changed_table_file_refused(app, made, tmp_path):
    path = made / "tables" / "units.jsonl"
    path.write_text(path.read_text(encoding="utf-8").replace("Sở Y tế", "Sở Y tế (sửa)"),
                    encoding="utf-8")
    _refused(tmp_path, made, "tables/units.jsonl bị thay đổi")


def test_changed_manifest_refused(app, made, tmp_path):
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"][0]["rows"] += 1
    (made / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _refused(tmp_path, made, "chữ ký không đúng khóa nhật ký")


def test_damaged_blob_refused(app, client, played_year, tmp_path, runner):
    issued = Api(client, "tttt.canbo").post("/documents/tong-hop-dang-ky/issue")
    assert issued.status_code == 201
    folder = tmp_path / "backup"
    assert runner.invoke(args=["backup", "--out", str(folder)]).exit_code == 0
    [blob] = [p for p in (folder / "blobs").rglob("*") if p.is_file()]
    blob.write_bytes(blob.read_bytes()[:-10])
    _refused(tmp_path, folder, "bị hỏng")


def test_backup_refuses_when_a_file_is_missing(app, client, played_year, tmp_path, runner):
    issued = Api(client, "tttt.canbo").post("/documents/tong-hop-dang-ky/issue")
    assert issued.status_code == 201
    sha256 = db.session.scalar(select(IssuedDocument.sha256))
    attachments.storage_path(sha256).unlink()
    result = runner.invoke(args=["backup", "--out", str(tmp_path / "b")])
    assert result.exit_code != 0 and f"thiếu tệp {sha256}" in result.output
    assert not (tmp_path / "b" / "manifest.json").exists()


def test_a_consistent_but_rewritten_audit_event_is_caught_by_the_chain(app, made, tmp_path):
    """Even a backup whose files and manifest agree (re-signed) does not restore when an audit
    event was rewritten: the chain is verified inside the restore's transaction."""
    path = made / "tables" / "audit_events.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    event = json.loads(lines[3])
    event["actor"] = "nguoi-khac"
    lines[3] = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    entry = next(t for t in manifest["tables"] if t["name"] == "audit_events")
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["mac"] = audit.keyed("backup-manifest", backup._canonical(manifest))
    (made / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    _refused(tmp_path, made, f"chuỗi nhật ký hỏng tại sự kiện #{event['id']}")


def test_ballots_dumped_in_id_order_not_insertion_order(app, made):
    """The dump never follows physical order (a secrecy leak): rows come by primary key."""
    for table in ("opened_ballots", "receipts"):
        ids = [json.loads(line)["id"] for line in
               (made / "tables" / f"{table}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert ids and ids == sorted(ids)
        assert len(ids) == db.session.scalar(select(db.func.count()).select_from(
            db.metadata.tables[table]))


def test_events_are_restored_with_their_ids(app, made, tmp_path):
    first = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    target = DATABASES.fresh_app(tmp_path / "target", "schema")
    try:
        assert _restore_into(target, made).exit_code == 0
        with target.app_context():
            again = db.session.get(AuditEvent, first.id)
            assert (again.hash, again.prev_hash) == (first.hash, first.prev_hash)
            restore_event = db.session.scalar(select(AuditEvent).order_by(
                AuditEvent.id.desc()).limit(1))
            assert restore_event.action == "backup.restore"
            assert restore_event.prev_hash == first.hash
            db.session.remove()
    finally:
        DATABASES.release(target)
    shutil.rmtree(made)
