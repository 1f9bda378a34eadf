"""Attachments: type checked by content, stored by SHA-256 outside the web root, the original
name kept only as display text.

What a file must pass before it is stored (issue 14):

1. **Two detectors agree**: our own magic-byte sniff (:func:`sniff`) and puremagic, a
   maintained signature database; the type puremagic finds must include the one we found.
2. **A structural check per type**: a PDF opens with pikepdf (qpdf) and has no JavaScript,
   launch or other active actions; a DOCX or XLSX is a valid OOXML zip with the right main
   part and content type, no macros (``vbaProject.bin``) and no absurd decompression (a zip
   bomb); a PNG or JPEG opens with Pillow, within a pixel-count limit. Whatever the type, the
   first kilobyte must not hold HTML (``%PDF-`` followed by ``<html>`` is refused): browsers
   sniff there.
3. **The name agrees with the content**: ``bao-cao.html`` or ``x.exe`` holding a PDF is
   refused with a message naming the file; a name without an extension gets the right one.
4. **The report's quota**: at most ``THIDUA_REPORT_MAX_FILES`` files and
   ``THIDUA_REPORT_QUOTA_MB`` in all, counted under a lock on the report's row in the same
   transaction as the insert, so two concurrent uploads cannot both pass.

Blobs are content-addressed (``<root>/<2 hex>/<sha256>``) and written *before* their row: a
request that fails after the write leaves a file without a row. :func:`check_store` lists
such orphans (and rows whose file is missing: an error); ``flask --app wsgi attachments
check --delete-orphans`` removes orphans older than an hour (the grace of requests in flight;
writing a blob that already exists refreshes its time for the same reason).
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import unicodedata
import uuid
import warnings
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, func, select, update

from core.errors import DomainError, ValidationFailed
from core.extensions import db
from core.models import Attachment, IssuedDocument, Report

ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The extensions a name may have for each type (the first is added when a name has none).
EXTENSIONS = {"pdf": (".pdf",), "png": (".png",), "jpg": (".jpg", ".jpeg"),
              "docx": (".docx",), "xlsx": (".xlsx",)}
LABELS = {"pdf": "PDF", "png": "PNG", "jpg": "JPEG", "docx": "DOCX", "xlsx": "XLSX"}

# OOXML: the main part and its content type; macro-enabled variants are refused.
OOXML_MAIN = {
    "docx": ("word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
}
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_TOTAL = 200 * 1024 * 1024  # bytes once decompressed
ZIP_MAX_RATIO = 100  # per member larger than 1 MB once decompressed
MAX_IMAGE_PIXELS = 50_000_000
# Tags browsers sniff as HTML in a file's first bytes.
_HTML = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|object|embed"
                   rb"|meta|title|style)[\s>/]", re.IGNORECASE)
_EXTENSION = re.compile(r"\.([A-Za-z][A-Za-z0-9]{0,7})$")
# Active content in a PDF: an action of one of these types, or JavaScript anywhere.
_PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/Rendition", "/RichMediaExecute",
                       "/GoToE", "/SubmitForm"}

ORPHAN_GRACE_SECONDS = 3600
_BLOB_NAME = re.compile(r"^[0-9a-f]{64}$")
_BLOB_DIR = re.compile(r"^[0-9a-f]{2}$")


class TooLarge(DomainError):
    status = 413
    code = "too_large"


def sniff(data: bytes) -> str | None:
    """The file's real type from its bytes (not its name), or None when not allowed."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    return None


def display_name(name: str | None, kind: str) -> str:
    """A safe name to show: no path, no control characters, NFC, at most 150 characters,
    ending with the type's extension (added when the name has none)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if not name:
        name = "tep-dinh-kem"
    if _extension(name) is None:
        name = name[:150 - len(EXTENSIONS[kind][0])] + EXTENSIONS[kind][0]
    if len(name) > 150:  # keep the extension when shortening
        suffix = "." + name.rsplit(".", 1)[-1]
        name = name[:150 - len(suffix)] + suffix
    return name


def _extension(name: str) -> str | None:
    match = _EXTENSION.search(name)
    return "." + match.group(1).lower() if match else None


def storage_path(sha256: str) -> Path:
    return store_root() / sha256[:2] / sha256


def store_root() -> Path:
    return Path(current_app.config["THIDUA_ATTACHMENTS_DIR"])


def _refuse(message, *, code: str = "file_type") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={"file": [message]})


def check(data: bytes, name: str | None) -> tuple[str, str]:
    """Everything a file must pass before it is stored; return (kind, display name) or raise
    a refusal naming the file."""
    shown = re.sub(r"[\x00-\x1f\x7f]", "", re.split(r"[\\/]", name or "")[-1]).strip()[:150] \
        or "tep-dinh-kem"
    limit_mb = current_app.config["THIDUA_MAX_UPLOAD_MB"]
    if len(data) > limit_mb * 1024 * 1024:
        raise TooLarge(_l("Tệp quá lớn: tối đa %(mb)s MB. Tệp “%(name)s” có %(size)s MB.",
                          mb=limit_mb, name=shown,
                          size=f"{len(data) / 1024 / 1024:.1f}".replace(".", ",")))
    if not data:
        raise ValidationFailed(_l("Tệp “%(name)s” rỗng.", name=shown),
                               fields={"file": [_l("Tệp rỗng.")]})
    kind = sniff(data)
    if kind is None or not _puremagic_agrees(data, kind):
        raise _refuse(_l(
            "Loại tệp không được phép (tệp “%(name)s”). Chỉ nhận PDF, DOCX, XLSX, JPG, PNG "
            "(kiểm tra theo nội dung tệp, không theo tên).", name=shown))
    if _HTML.search(data[:1024]):
        raise _refuse(_l("Tệp “%(name)s” có phần đầu là %(type)s nhưng chứa mã HTML: không "
                         "nhận.", name=shown, type=LABELS[kind]))
    problem = STRUCTURE[kind](data)
    if problem:
        raise _refuse(_l("Tệp “%(name)s” không phải tệp %(type)s hợp lệ: %(problem)s.",
                         name=shown, type=LABELS[kind], problem=problem))
    safe = display_name(name, kind)
    extension = _extension(safe)
    if extension not in EXTENSIONS[kind]:
        raise _refuse(_l(
            "Tệp “%(name)s”: nội dung là %(type)s nhưng tên có đuôi “%(ext)s”. Hãy đặt tên "
            "tệp có đuôi %(expected)s.", name=shown, type=LABELS[kind], ext=extension,
            expected=" hoặc ".join(EXTENSIONS[kind])), code="file_name")
    return kind, safe


def _puremagic_agrees(data: bytes, kind: str) -> bool:
    """puremagic (a maintained signature database) must see the type we sniffed."""
    import puremagic

    try:
        matches = puremagic.magic_string(data[:8192])
    except (puremagic.PureError, ValueError):
        return False
    return ALLOWED[kind] in {match.mime_type for match in matches}


def _pdf_problem(data: bytes) -> str | None:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                return str(_l("không có trang nào"))
            for obj in pdf.objects:
                if not isinstance(obj, pikepdf.Dictionary):
                    continue
                # An action running JavaScript or a program, or the document's JavaScript
                # name tree (the catalog's /Names /JavaScript).
                names = obj.get("/Names")
                if "/JS" in obj or obj.get("/S") in _PDF_ACTIVE_ACTIONS or (
                        isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names):
                    return str(_l("tệp chứa mã JavaScript hoặc lệnh chạy chương trình"))
    except pikepdf.PasswordError:
        return str(_l("tệp có mật khẩu, không kiểm tra được"))
    except Exception:  # noqa: BLE001 - qpdf's many errors are one answer to the user
        return str(_l("không mở được tệp"))
    return None


def _ooxml_problem(kind: str):
    main_part, main_type = OOXML_MAIN[kind]

    def problem(data: bytes) -> str | None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if len(infos) > ZIP_MAX_ENTRIES:
                    return str(_l("quá nhiều thành phần trong tệp nén"))
                total = 0
                for info in infos:
                    total += info.file_size
                    if info.filename.lower().rsplit("/", 1)[-1] == "vbaproject.bin":
                        return str(_l("tệp chứa macro (vbaProject.bin)"))
                    if info.file_size > 1024 * 1024 and \
                            info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
                        return str(_l("tỷ lệ giải nén bất thường (nghi bom nén)"))
                if total > ZIP_MAX_TOTAL:
                    return str(_l("dung lượng sau giải nén quá lớn (nghi bom nén)"))
                types = archive.read("[Content_Types].xml")
                if len(types) > 1024 * 1024:
                    return str(_l("[Content_Types].xml quá lớn"))
                if b"macroEnabled" in types or b"vbaProject" in types:
                    return str(_l("tệp chứa macro"))
                if main_type.encode() not in types or main_part not in archive.namelist():
                    return str(_l("thiếu phần chính %(part)s", part=main_part))
                if archive.testzip() is not None:
                    return str(_l("tệp nén bị hỏng"))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, RuntimeError,
                NotImplementedError, EOFError):
            return str(_l("tệp nén bị hỏng"))
        return None

    return problem


def _image_problem(kind: str):
    expected = {"png": "PNG", "jpg": "JPEG"}[kind]

    def problem(data: bytes) -> str | None:
        from PIL import Image

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    if image.format != expected:
                        return str(_l("nội dung không phải ảnh %(type)s", type=expected))
                    width, height = image.size
                    if width * height > MAX_IMAGE_PIXELS:
                        return str(_l("ảnh quá lớn (%(pixels)s điểm ảnh, tối đa %(limit)s)",
                                      pixels=f"{width * height:,}".replace(",", "."),
                                      limit=f"{MAX_IMAGE_PIXELS:,}".replace(",", ".")))
                    if kind == "jpg":
                        image.draft("RGB", (max(width // 8, 1), max(height // 8, 1)))
                        image.load()  # decode (at 1/8 scale: cheap) to find a broken file
                    else:
                        image.verify()  # every chunk's CRC
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            return str(_l("ảnh quá lớn"))
        except Exception:  # noqa: BLE001 - any unreadable image is the same answer
            return str(_l("không đọc được ảnh"))
        return None

    return problem


STRUCTURE = {"pdf": _pdf_problem, "docx": _ooxml_problem("docx"),
             "xlsx": _ooxml_problem("xlsx"), "png": _image_problem("png"),
             "jpg": _image_problem("jpg")}


# -- the report's quota ---------------------------------------------------------------------

def reserve(report: Report, size: int) -> None:
    """Check the report's quota for one more file of ``size`` bytes, holding a write lock on
    the report's row until the transaction ends, so a concurrent upload to the same report
    waits here and then counts this one. A no-op UPDATE takes the lock on every database
    (a row lock on PostgreSQL, the write lock on SQLite)."""
    if report.id is None:
        db.session.flush()
    db.session.execute(update(Report).where(Report.id == report.id)
                       .values(version=Report.version)
                       .execution_options(synchronize_session=False))
    count, total = db.session.execute(
        select(func.count(Attachment.id), func.coalesce(func.sum(Attachment.size), 0))
        .where(Attachment.report_id == report.id)).one()
    max_files = current_app.config["THIDUA_REPORT_MAX_FILES"]
    quota_mb = current_app.config["THIDUA_REPORT_QUOTA_MB"]
    if count + 1 > max_files:
        raise _refuse(_l("Báo cáo đã có %(count)s tệp đính kèm, tối đa %(max)s tệp: hãy gộp "
                         "hoặc bỏ bớt tệp.", count=count, max=max_files), code="report_quota")
    if total + size > quota_mb * 1024 * 1024:
        raise _refuse(_l("Tổng dung lượng tệp đính kèm của báo cáo sẽ vượt %(mb)s MB (đã dùng "
                         "%(used)s MB): hãy nén hoặc bỏ bớt tệp.", mb=quota_mb,
                         used=f"{total / 1024 / 1024:.1f}".replace(".", ",")),
                      code="report_quota")


def store(data: bytes, name: str | None, *, report: Report | None = None,
          checked: tuple[str, str] | None = None) -> tuple[str, str, str, str]:
    """Check (unless ``checked`` is :func:`check`'s answer already) and store a file, within
    ``report``'s quota when given; return (id, sha256, content type, display name). The blob
    is written before its row (see the module's docstring for what a failure leaves)."""
    kind, shown = checked or check(data, name)
    if report is not None:
        reserve(report, len(data))
    sha256 = hashlib.sha256(data).hexdigest()
    write_blob(sha256, data)
    return str(uuid.uuid4()), sha256, ALLOWED[kind], shown


def write_blob(sha256: str, data: bytes) -> None:
    """Store bytes under their SHA-256 (atomic rename). A blob already there is kept and its
    time refreshed, so the orphan sweep's grace covers the request that now refers to it."""
    path = storage_path(sha256)
    if path.exists():
        try:
            path.touch()
            return
        except FileNotFoundError:  # swept in between: write it again
            pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


# -- the store against its rows ---------------------------------------------------------------

# Every column naming a blob of the store by its SHA-256 (a test checks no other column
# named like one was forgotten).
BLOB_COLUMNS: tuple[Column, ...] = (Attachment.__table__.c.sha256,
                                    IssuedDocument.__table__.c.sha256)


def referenced_blobs() -> dict[str, set[str]]:
    """Every blob the database refers to: SHA-256 → the tables referring to it."""
    found: dict[str, set[str]] = {}
    for column in BLOB_COLUMNS:
        for (sha256,) in db.session.execute(select(column).distinct()):
            if sha256:
                found.setdefault(sha256, set()).add(column.table.name)
    return found


@dataclass
class StoreCheck:
    """What ``attachments check`` found: files without a row (orphans, with their age in
    seconds), rows without their file (missing), files whose bytes no longer match their
    name (corrupt, only when hashes are checked)."""
    blobs: int = 0
    orphans: list[tuple[Path, float]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    corrupt: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt


def _store_files(root: Path) -> Iterable[Path]:
    """The store's files: ``<2 hex>/<sha256>`` and interrupted writes (``*.tmp``); other
    folders (the import staging area) are not the store's."""
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and _BLOB_DIR.match(folder.name):
            yield from sorted(p for p in folder.iterdir() if p.is_file())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_store(*, hashes: bool = False, now: float | None = None) -> StoreCheck:
    """Compare the store with every row referring to a blob."""
    referenced = referenced_blobs()
    result = StoreCheck()
    now = time.time() if now is None else now
    present = set()
    for path in _store_files(store_root()):
        if _BLOB_NAME.match(path.name) and path.parent.name == path.name[:2]:
            present.add(path.name)
            result.blobs += 1
            if path.name not in referenced:
                result.orphans.append((path, now - path.stat().st_mtime))
            elif hashes and file_sha256(path) != path.name:
                result.corrupt.append(path)
        elif path.name.endswith(".tmp"):
            result.orphans.append((path, now - path.stat().st_mtime))
    for sha256, tables in sorted(referenced.items()):
        if sha256 not in present:
            result.missing.extend((sha256, table) for table in sorted(tables))
    return result


def delete_orphans(found: StoreCheck, *, grace: float = ORPHAN_GRACE_SECONDS) -> list[Path]:
    """Remove the orphans older than ``grace`` seconds (younger ones may belong to a request
    still in flight); re-checked against the database just before each removal."""
    referenced = referenced_blobs()
    removed = []
    for path, age in found.orphans:
        if age < grace or path.name in referenced:
            continue
        try:
            if time.time() - path.stat().st_mtime < grace:  # just written again
                continue
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed
