"""A real SMTP server for the tests (aiosmtpd), started on a free port of 127.0.0.1: the
app is pointed at it through its ``THIDUA_SMTP_*`` settings and the test reads back what
arrived (subject, recipients, body), parsed as a mail client would."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    """One message as the server got it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # A long encoded subject is folded before its first word ("Subject:\n =?utf-8?…"),
        # which unfolds to one leading space; mail programs drop it, so does this.
        return str(self.message["Subject"]).strip()

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        return part.get_content() if part is not None else ""


@dataclass
class Inbox:
    host: str
    port: int
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        self.messages.append(Received(
            envelope.mail_from, list(envelope.rcpt_tos),
            message_from_bytes(envelope.original_content or envelope.content,
                               policy=email_policy.default)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def wait(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The messages, once at least ``count`` arrived (the server runs in a thread)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def configure(self, app) -> None:
        """Point the app's mail at this server."""
        app.config.update(THIDUA_SMTP_HOST=self.host, THIDUA_SMTP_PORT=self.port,
                          THIDUA_SMTP_STARTTLS=False, THIDUA_SMTP_SSL=False,
                          THIDUA_SMTP_SENDER="Thi đua – Khen thưởng <thidua@travinh.gov.vn>",
                          THIDUA_SMTP_TIMEOUT=10, THIDUA_BASE_URL="https://thidua.travinh.gov.vn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """An SMTP server collecting every message, for the length of one test."""
    inbox = Inbox("127.0.0.1", free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
