"""``flask --app wsgi remind [--today YYYY-MM-DD] [--dry-run]``: the daily reminders.

Run once a day by a cron job or a systemd timer (docs/operations.md). Idempotent: a reminder
given once (recorded in ``reminders_sent``) is never given again, so running it twice, or
after a missed day, sends nothing twice. The reminders are recorded and committed first, then
e-mailed (no SMTP server configured: the notices are made and the mail is skipped with a log
line), then the e-mail outcomes are committed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import click

from core.services import clock, notifications, unit_changes
from core.unit_of_work import unit_of_work


def _day(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"ngày không hợp lệ '{value}', cần dạng YYYY-MM-DD") from exc


@click.command("remind")
@click.option("--today", callback=_day, default=None, metavar="YYYY-MM-DD",
              help="The day to remind for (default: today on the app's clock).")
@click.option("--dry-run", is_flag=True, help="List the reminders due; record and send nothing.")
def remind_command(today: date | None, dry_run: bool) -> None:
    """Give the day's reminders: in-app notices and e-mails (due in 7 and 1 days, overdue,
    polls open, documents waiting to be issued). First, unit renames and mergers recorded
    ahead of their date take effect."""
    today = today or clock.today()
    if dry_run:
        with unit_of_work():
            report = notifications.run(today, dry_run=True)
            for r in report.planned:
                click.echo(f"[thử] {r.kind}\t{r.user.username}\t<{r.user.email or '-'}>\t"
                           f"{r.title}")
        click.echo(f"Ngày {today:%d/%m/%Y}: {len(report.planned)} lời nhắc sẽ được gửi "
                   "(chạy thử, chưa ghi, chưa gửi).")
        return
    with unit_of_work():
        # Unit changes recorded ahead of their date take effect (names, active flags).
        changed = unit_changes.catch_up(today)
    if changed:
        click.echo(f"Thay đổi đơn vị có hiệu lực: {', '.join(changed)}.")
    with unit_of_work():
        report = notifications.run(today)
    with unit_of_work():
        notifications.mail_out(report.given)
    # E-mails that failed on an earlier run (the SMTP server was down): tried once a day, for
    # notifications.RETRY_DAYS days.
    with unit_of_work():
        again = notifications.failed_mail(today)
        notifications.mail_out(again)
    if again:
        outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(Counter(g.mail for g in again)
                                                             .items()))
        click.echo(f"Gửi lại {len(again)} thư lần trước chưa gửi được ({outcomes}).")
    for g in report.given:
        r = g.reminder
        click.echo(f"{r.kind}\t{r.user.username}\t<{g.email or '-'}>\t{g.mail}\t{r.title}")
    counts = report.counts()
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "—"
    click.echo(f"Ngày {today:%d/%m/%Y}: {len(report.given)} lời nhắc đã gửi ({summary}).")
