"""E-mail through the province's SMTP server, with Flask-Mailman.

Settings (``core/config.py``, from the environment): ``THIDUA_SMTP_HOST``, ``_PORT``,
``_USERNAME``, ``_PASSWORD``, ``_STARTTLS`` or ``_SSL``, ``_SENDER``, ``_TIMEOUT``. They are
read when a message is sent, so a test (or an operator) may point the app at another server
without rebuilding it. No host configured: nothing is sent, a log line says so, and the
caller goes on (the in-app notices are made all the same).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass

from flask import Flask, current_app
from flask_mailman import EmailMessage, Mail

log = logging.getLogger(__name__)

_mail = Mail()


def init_app(app: Flask) -> None:
    """Register Flask-Mailman (its defaults; the SMTP settings are passed per connection)."""
    _mail.init_app(app)


@dataclass(frozen=True)
class Message:
    """One e-mail: plain text, UTF-8."""

    to: tuple[str, ...]
    subject: str
    body: str


def configured() -> bool:
    """Whether an SMTP server is set (``THIDUA_SMTP_HOST``)."""
    return bool(current_app.config.get("THIDUA_SMTP_HOST"))


def sender() -> str:
    config = current_app.config
    return config.get("THIDUA_SMTP_SENDER") or config.get("THIDUA_SMTP_USERNAME") or \
        "thidua@localhost"


def _connection():
    config = current_app.config
    ssl = bool(config.get("THIDUA_SMTP_SSL"))
    port = config.get("THIDUA_SMTP_PORT") or (465 if ssl else 587 if
                                              config.get("THIDUA_SMTP_STARTTLS") else 25)
    if "mailman" not in current_app.extensions:  # an app built without init_app
        _mail.init_app(current_app)
    return _mail.get_connection(
        backend="smtp", host=config["THIDUA_SMTP_HOST"], port=int(port),
        username=config.get("THIDUA_SMTP_USERNAME") or "",
        password=config.get("THIDUA_SMTP_PASSWORD") or "",
        use_tls=bool(config.get("THIDUA_SMTP_STARTTLS")) and not ssl, use_ssl=ssl,
        timeout=config.get("THIDUA_SMTP_TIMEOUT") or 30)


def send_all(messages: list[Message]) -> list[str]:
    """Send the messages over one connection. Returns, per message, ``sent``, ``skipped`` (no
    SMTP server configured) or ``failed`` (the server refused it or could not be reached:
    logged, never raised, so a reminder run or a page goes on)."""
    if not messages:
        return []
    if not configured():
        log.info("THIDUA_SMTP_HOST is not set: %d e-mail(s) not sent (in-app notices only)",
                 len(messages))
        return ["skipped"] * len(messages)
    results: list[str] = []
    try:
        connection = _connection()
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("SMTP server %s unreachable: %s; %d e-mail(s) not sent",
                    current_app.config.get("THIDUA_SMTP_HOST"), exc, len(messages))
        return ["failed"] * len(messages)
    try:
        for message in messages:
            email = EmailMessage(message.subject, message.body, sender(), list(message.to),
                                 connection=connection)
            try:
                results.append("sent" if email.send() else "failed")
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("e-mail to %s not sent: %s", ", ".join(message.to), exc)
                results.append("failed")
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):  # pragma: no cover - closing a dead link
            pass
    return results
