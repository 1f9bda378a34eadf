"""Configuration: defaults, overridden by ``THIDUA_*`` environment variables.

Only this module reads the environment. Every setting has a default that works for
``make run`` on a fresh machine (SQLite under ``instance/``).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def parse_now(value: str | None) -> datetime | None:
    """Parse ``THIDUA_NOW`` (ISO 8601); a naive value is taken as Asia/Ho_Chi_Minh time."""
    if not value:
        return None
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(TIMEZONE)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# The key file ``make run`` writes once (``instance/secret_key``, mode 0600); read when
# ``THIDUA_SECRET_KEY`` is unset. A relative name is taken inside the instance folder.
SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a key)


def secret_key_path(instance_path: str) -> Path:
    return Path(instance_path) / SECRET_KEY_FILE


def read_secret_key(instance_path: str) -> str | None:
    """``THIDUA_SECRET_KEY``, else the content of the key file, else None (no built-in key)."""
    key = os.environ.get("THIDUA_SECRET_KEY", "").strip()
    if key:
        return key
    try:
        key = secret_key_path(instance_path).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return key or None


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping from defaults and the environment."""
    database_url = os.environ.get("DATABASE_URL") or os.environ.get("THIDUA_DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{Path(instance_path) / 'thidua.sqlite'}"
    disabled = os.environ.get("THIDUA_DISABLED_PLUGINS", "")
    return {
        "SECRET_KEY": read_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "THIDUA_NOW": parse_now(os.environ.get("THIDUA_NOW")),
        "THIDUA_PLUGINS_DIR": os.environ.get(
            "THIDUA_PLUGINS_DIR", str(PROJECT_ROOT / "plugins")
        ),
        "THIDUA_DISABLED_PLUGINS": [p.strip() for p in disabled.split(",") if p.strip()],
        "THIDUA_ATTACHMENTS_DIR": os.environ.get(
            "THIDUA_ATTACHMENTS_DIR", str(Path(instance_path) / "attachments")
        ),
        "THIDUA_MAX_UPLOAD_MB": int(os.environ.get("THIDUA_MAX_UPLOAD_MB", "20")),
        # Per report: the total size of its attachments (MB) and how many files it may have.
        "THIDUA_REPORT_QUOTA_MB": int(os.environ.get("THIDUA_REPORT_QUOTA_MB", "50")),
        "THIDUA_REPORT_MAX_FILES": int(os.environ.get("THIDUA_REPORT_MAX_FILES", "20")),
        "THIDUA_TOKEN_TTL_HOURS": float(os.environ.get("THIDUA_TOKEN_TTL_HOURS", "12")),
        # Read-only API answers kept per data version in each process (core/api/answers.py);
        # 0: none kept.
        "THIDUA_ANSWER_CACHE_SIZE": int(os.environ.get("THIDUA_ANSWER_CACHE_SIZE", "512")),
        # The province the documents are issued in (core/services/documents.py, province()):
        # its name, the place written before the date, the emulation office and what it
        # belongs to (empty: the office stands alone), the province's emulation council.
        "THIDUA_PROVINCE": os.environ.get("THIDUA_PROVINCE", "Trà Vinh"),
        "THIDUA_PLACE": os.environ.get("THIDUA_PLACE")
        or os.environ.get("THIDUA_PROVINCE", "Trà Vinh"),
        "THIDUA_OFFICE_NAME": os.environ.get("THIDUA_OFFICE_NAME", "Ban Thi đua – Khen thưởng"),
        "THIDUA_OFFICE_PARENT": os.environ.get("THIDUA_OFFICE_PARENT", ""),
        "THIDUA_COUNCIL_NAME": os.environ.get("THIDUA_COUNCIL_NAME",
                                              "Hội đồng Thi đua – Khen thưởng tỉnh"),
        # The register of outgoing documents: one sequence per issuer and year for every
        # type of document (Nghị định 30/2020 allows either), or one per type when set.
        "THIDUA_REGISTER_PER_TYPE": _flag("THIDUA_REGISTER_PER_TYPE"),
        # The audit chain's key (not in the database; see core/services/audit.py) and the
        # anchor file kept outside the database (empty: no anchor).
        "THIDUA_AUDIT_KEY": os.environ.get("THIDUA_AUDIT_KEY", "").strip() or None,
        "THIDUA_AUDIT_ANCHOR": os.environ.get("THIDUA_AUDIT_ANCHOR"),
        # Background jobs (core/services/jobs.py): the Redis of the queue (unset: jobs run in
        # the request that asks for them); THIDUA_JOBS=sync forces that.
        "THIDUA_REDIS_URL": os.environ.get("THIDUA_REDIS_URL", "").strip() or None,
        "THIDUA_JOBS": os.environ.get("THIDUA_JOBS", "").strip().lower() or None,
        # How many reverse proxies in front of the app set X-Forwarded-For (0: none).
        "THIDUA_TRUSTED_PROXIES": int(os.environ.get("THIDUA_TRUSTED_PROXIES", "0") or 0),
        # The province's SMTP server for reminders (core/services/mail.py); no host: no mail.
        "THIDUA_SMTP_HOST": os.environ.get("THIDUA_SMTP_HOST", "").strip() or None,
        "THIDUA_SMTP_PORT": int(os.environ.get("THIDUA_SMTP_PORT", "0") or 0) or None,
        "THIDUA_SMTP_USERNAME": os.environ.get("THIDUA_SMTP_USERNAME") or None,
        "THIDUA_SMTP_PASSWORD": os.environ.get("THIDUA_SMTP_PASSWORD") or None,
        "THIDUA_SMTP_STARTTLS": _flag("THIDUA_SMTP_STARTTLS"),
        "THIDUA_SMTP_SSL": _flag("THIDUA_SMTP_SSL"),
        "THIDUA_SMTP_SENDER": os.environ.get("THIDUA_SMTP_SENDER") or None,
        "THIDUA_SMTP_TIMEOUT": float(os.environ.get("THIDUA_SMTP_TIMEOUT", "30")),
        # The address links in reminder e-mails start with (the remind command has no request;
        # unset: the request's address, else http://127.0.0.1:5000).
        "THIDUA_BASE_URL": os.environ.get("THIDUA_BASE_URL", "").strip() or None,
        # Digital signatures (core/services/signing.py, docs/signing.md): a PKCS#12 file and
        # its password, or a PKCS#11 token (library, token label, key/cert label, PIN); the
        # PEM trust roots (os.pathsep- or comma-separated); a timestamp authority (optional);
        # the folder of signature and seal images (<key>.png).
        **{f"THIDUA_SIGNING_{name}": os.environ.get(f"THIDUA_SIGNING_{name}") or None
           for name in ("PKCS12", "PASSWORD", "PKCS11_LIB", "PKCS11_TOKEN_LABEL",
                        "PKCS11_KEY_LABEL", "PKCS11_CERT_LABEL", "PKCS11_PIN", "TRUST_ROOTS",
                        "TSA_URL", "IMAGES_DIR")},
        # The signature-check page's upload limit (MB).
        "THIDUA_SIGNATURE_CHECK_MAX_MB": int(os.environ.get("THIDUA_SIGNATURE_CHECK_MAX_MB",
                                                            "20")),
        "RATELIMIT_STORAGE_URI": os.environ.get("THIDUA_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "core" / "translations"),
        "LANGUAGES": ["vi", "en"],
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("THIDUA_SECURE_COOKIES"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _flag("THIDUA_SECURE_COOKIES"),
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "MAX_CONTENT_LENGTH": (int(os.environ.get("THIDUA_MAX_UPLOAD_MB", "20")) + 1)
        * 1024
        * 1024,
        "JSON_SORT_KEYS": False,
    }
