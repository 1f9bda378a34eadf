"""Maintenance commands: ``flask --app wsgi attachments check``, ``backup``, ``restore``.

``attachments check`` compares the file store with every row referring to a blob (report
attachments, issued documents): files without a row are *orphans* (a request that failed
after writing its file; listed, and with ``--delete-orphans`` removed once older than an
hour), rows without their file are *missing* (an error: the command exits with status 1).
``backup --out DIR`` and ``restore DIR``: core/services/backup.py; docs/operations.md §6.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from core.services import attachments
from core.services import backup as backups
from core.unit_of_work import unit_of_work

attachments_cli = AppGroup("attachments", help="The file store (attachments, issued documents).")


def _age(seconds: float) -> str:
    return str(timedelta(seconds=int(max(seconds, 0))))


@attachments_cli.command("check")
@click.option("--delete-orphans", is_flag=True,
              help="Xóa các tệp không có dòng dữ liệu nào trỏ tới, đã quá một giờ.")
@click.option("--hashes", is_flag=True, help="Tính lại mã SHA-256 của từng tệp (chậm hơn).")
def attachments_check(delete_orphans: bool, hashes: bool) -> None:
    """List files without a row (orphans) and rows without their file (missing: exit 1)."""
    found = attachments.check_store(hashes=hashes)
    click.echo(f"Kho tệp {attachments.store_root()}: {found.blobs} tệp.")
    for path, age in found.orphans:
        click.echo(f"Tệp mồ côi (không có dòng dữ liệu): {path} (đã {_age(age)})")
    if delete_orphans:
        removed = attachments.delete_orphans(found)
        kept = len(found.orphans) - len(removed)
        click.echo(f"Đã xóa {len(removed)} tệp mồ côi"
                   + (f"; giữ {kept} tệp mới hơn một giờ (có thể của yêu cầu đang chạy)."
                      if kept else "."))
    for sha256, table in found.missing:
        click.echo(f"THIẾU tệp {sha256} (bảng {table}).", err=True)
    for path in found.corrupt:
        click.echo(f"HỎNG: nội dung {path} không khớp mã SHA-256 của nó.", err=True)
    if not found.ok:
        raise SystemExit(1)
    if not found.orphans:
        click.echo("Không có tệp mồ côi; mọi dòng dữ liệu đều có tệp.")


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Thư mục mới (hoặc trống) để ghi bản sao lưu.")
def backup_command(out: str) -> None:
    """Back up the database, the attachments and issued documents, and the audit checkpoint."""
    try:
        manifest = backups.backup(Path(out))
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(entry["rows"] for entry in manifest["tables"])
    click.echo(f"Đã sao lưu vào {out}: {rows} dòng trong {len(manifest['tables'])} bảng, "
               f"{len(manifest['blobs'])} tệp, mốc nhật ký #{manifest['checkpoint']['event_id']} "
               f"{manifest['checkpoint']['hash']}.")


@click.command("restore")
@click.argument("folder", type=click.Path(file_okay=False, exists=True))
def restore_command(folder: str) -> None:
    """Restore a backup into an EMPTY database, then verify it (row counts, every file's
    SHA-256, the audit chain against the backup's checkpoint); nothing is kept unless it
    verifies."""
    try:
        with unit_of_work():
            report = backups.restore(Path(folder))
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã khôi phục {sum(report.tables.values())} dòng, {report.blobs} tệp. Đã kiểm: "
               f"số dòng từng bảng, mã SHA-256 từng tệp, nhật ký {report.audit_events} sự kiện "
               f"khớp mốc của bản sao lưu (mã cuối {report.head}).")


def init_app(app) -> None:
    app.cli.add_command(attachments_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
