"""Attachments: type checked by content, stored by SHA-256 outside the web root, the original
name kept only as display text."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from pathlib import Path

from flask import current_app

from core.errors import DomainError, ValidationFailed

ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


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
    """A safe name to show: no path, no control characters, NFC, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    if not name:
        name = f"tep-dinh-kem.{kind}"
    return name[:150]


def storage_path(sha256: str) -> Path:
    root = Path(current_app.config["THIDUA_ATTACHMENTS_DIR"])
    return root / sha256[:2] / sha256


def store(data: bytes, name: str | None) -> tuple[str, str, str, str]:
    """Check and store a file; return (id, sha256, content type, display name)."""
    limit = current_app.config["THIDUA_MAX_UPLOAD_MB"] * 1024 * 1024
    if len(data) > limit:
        raise TooLarge(f"Tệp quá lớn: tối đa {current_app.config['THIDUA_MAX_UPLOAD_MB']} MB.")
    if not data:
        raise ValidationFailed("Tệp rỗng.", fields={"file": ["Tệp rỗng."]})
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed(
            "Loại tệp không được phép. Chỉ nhận PDF, DOCX, XLSX, JPG, PNG (kiểm tra theo nội "
            "dung tệp, không theo tên).", code="file_type", fields={"file": ["Sai loại tệp."]})
    sha256 = hashlib.sha256(data).hexdigest()
    write_blob(sha256, data)
    return str(uuid.uuid4()), sha256, ALLOWED[kind], display_name(name, kind)


def write_blob(sha256: str, data: bytes) -> None:
    """Store bytes under their SHA-256 (atomic rename; a blob already there is kept)."""
    path = storage_path(sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
