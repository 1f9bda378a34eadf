"""Command-line faces: ``flask --app wsgi demo | users create | plugins | bloc check | audit verify``.

A command that writes runs in one unit of work (``core.unit_of_work``): committed when it
ends, rolled back entirely when it fails.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core.errors import DomainError
from core.extensions import db
from core.models import Bloc, Campaign, Unit, User
from core.services import accounts, audit, campaigns
from core.services.plans import gather_plan
from core.unit_of_work import transactional, unit_of_work

DEMO_PASSWORD = "ThiDua@2021"  # noqa: S105 - printed demo password, documented in README

# (code, name, short name, role in Khối 8 2021, illustrative?)
DEMO_UNITS = [
    ("so-tttt", "Sở Thông tin và Truyền thông", "Sở TT&TT", "leader", False),
    ("so-ldtbxh", "Sở Lao động – Thương binh và Xã hội", "Sở LĐ-TB&XH", "deputy", False),
    ("so-vhttdl", "Sở Văn hóa, Thể thao và Du lịch", "Sở VH-TT&DL", "member", True),
    ("so-gddt", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "member", True),
    ("so-yte", "Sở Y tế", "Sở Y tế", "member", True),
    ("so-khcn", "Sở Khoa học và Công nghệ", "Sở KH&CN", "member", True),
    ("so-noivu", "Sở Nội vụ", "Sở Nội vụ", "member", True),
    ("so-tuphap", "Sở Tư pháp", "Sở Tư pháp", "member", True),
]

# The illustrative second bloc (plugin khoi_vhxh): none of these names come from a real plan.
DEMO_VHXH_UNITS = [
    ("bhxh", "Bảo hiểm Xã hội tỉnh", "BHXH tỉnh", "leader"),
    ("ban-dan-toc", "Ban Dân tộc tỉnh", "Ban Dân tộc", "deputy"),
    ("dai-ptth", "Đài Phát thanh và Truyền hình tỉnh", "Đài PT-TH", "member"),
    ("ldld", "Liên đoàn Lao động tỉnh", "LĐLĐ tỉnh", "member"),
    ("cd-yte", "Trường Cao đẳng Y tế", "CĐ Y tế", "member"),
]

# The plan is signed by the director of Sở TT&TT; the other names are generic titles.
DEMO_NAMES = {"tttt.thutruong": "Nguyễn Văn Này"}

users_cli = AppGroup("users", help="Manage user accounts.")
bloc_cli = AppGroup("bloc", help="Bloc plugins: check a plan.")
audit_cli = AppGroup("audit", help="The audit log.")


@users_cli.command("create")
@click.argument("username")
@click.option("--full-name", default=None, help="Full name (defaults to the username).")
@click.option("--admin", is_flag=True, help="System administrator.")
@click.option("--board", is_flag=True, help="Member of the provincial board.")
@click.option("--unit", "unit_code", default=None, help="Unit code, e.g. so-tttt.")
@click.option("--role", type=click.Choice(["officer", "head"]), default=None)
@click.password_option(prompt="Mật khẩu", confirmation_prompt="Nhập lại mật khẩu")
def create_user(username, full_name, admin, board, unit_code, role, password):
    """Create a user; the password is asked twice (so it can be piped)."""
    try:
        with unit_of_work():
            user = accounts.create_user(username, full_name or username, password,
                                        unit_code=unit_code, role=role, board=board,
                                        admin=admin, actor=None)
    except DomainError as exc:
        details = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc.message} {details}".strip()) from exc
    click.echo(f"Đã tạo tài khoản {user.username}.")


@users_cli.command("reseal")
@click.argument("username")
@click.option("--reason", required=True, help="Why the row as it is now is accepted.")
def reseal_user(username, reason):
    """Accept an account changed outside the application (after looking at it): it can sign
    in again. `audit verify` names such accounts."""
    try:
        with unit_of_work():
            accounts.reseal(username, reason=reason, actor=None)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    click.echo(f"Đã niêm phong lại tài khoản {username}.")


@click.command("plugins")
def plugins_command():
    """List plugins with version, status, hooks and blocs."""
    for row in current_app.extensions["thidua"].describe():
        click.echo(f"{row['name']} {row['version']} [{row['status']}] ({row['source']})")
        if row["error"]:
            click.echo(f"  lỗi: {row['error']}")
        click.echo(f"  hooks: {', '.join(row['hooks']) or '—'}")
        for bloc in row["blocs"]:
            years = ", ".join(str(y) for y in bloc["years"])
            click.echo(f"  bloc: {bloc['code']} — {bloc['name']} ({years})")


@bloc_cli.command("check")
@click.argument("code")
@click.argument("year", type=int)
def bloc_check(code, year):
    """Validate a bloc's plan for a year; print each problem plainly."""
    try:
        plan = gather_plan(current_app.extensions["thidua"], code, year)
    except DomainError as exc:
        raise click.ClickException(str(exc.message)) from exc
    if plan.problems:
        for problem in plan.problems:
            click.echo(f"- {problem}")
        raise click.ClickException(f"Kế hoạch {code} {year} có {len(plan.problems)} lỗi.")
    items = sum(1 for c in plan.criteria for n in c.walk() if not n.children and n.kind == "item")
    click.echo(f"Kế hoạch {code} {year} hợp lệ: {items} tiêu chí chấm điểm, tổng "
               f"{plan.max_total:g} điểm, {len(plan.calendar)} giai đoạn, bỏ phiếu "
               f"'{plan.voting.name}'.")


@bloc_cli.command("new")
@click.argument("code")
@click.option("--name", default=None, help='Tên khối, ví dụ "Khối thi đua Khối 5".')
@click.option("--year", type=int, default=None, help="Năm của kế hoạch (mặc định: năm nay).")
def bloc_new(code, name, year):
    """Write a bloc plugin package under the plugins folder, with its own tests."""
    from pathlib import Path

    from core.scaffold import ScaffoldError, write_plugin
    from core.services import clock

    year = year or clock.today().year
    name = name or f"Khối thi đua {code}"
    try:
        target = write_plugin(Path(current_app.config["THIDUA_PLUGINS_DIR"]), code, name, year)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã tạo plugin {target}.")
    click.echo("Tiếp theo: điền tiêu chí, lịch, thông số bỏ phiếu; rồi chạy")
    click.echo(f"  flask --app wsgi bloc check {code} {year}")
    click.echo(f"  pytest {target}")


@audit_cli.command("verify")
@click.option("--against", "checkpoints", multiple=True, type=click.Path(dir_okay=False),
              help="Một mốc đã xuất bằng `audit checkpoint` (có thể nêu nhiều lần).")
def audit_verify(checkpoints):
    """Recompute the keyed audit chain, compare it with the anchor and the given checkpoints,
    check every account's seal and every poll's counts; name what is wrong."""
    import json
    from pathlib import Path

    from core.services import account_seal, voting

    against = []
    for name in checkpoints:
        try:
            against.append((name, json.loads(Path(name).read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            raise click.ClickException(f"Không đọc được mốc {name}: {exc}") from exc
    verification = audit.verify(against=against)
    report = verification.chain
    problems = list(verification.problems)
    if not report.ok:
        problems.insert(0, f"Chuỗi nhật ký bị hỏng tại sự kiện #{report.broken_at}: "
                           f"{report.reason} (đã kiểm {report.checked} sự kiện hợp lệ trước đó).")
    problems += [f"Tài khoản {name}: bị thay đổi ngoài ứng dụng (quyền, mật khẩu, đơn vị hoặc "
                 f"trạng thái không khớp dấu niêm phong)." for name in account_seal.broken_accounts()]
    if problems:
        raise click.ClickException("Nhật ký hoặc dữ liệu không toàn vẹn:\n" + "\n".join(problems))
    click.echo(f"Nhật ký toàn vẹn: {report.checked} sự kiện, mã cuối {report.head}"
               + (f"; đã so với {len(against)} mốc" if against else "") + ".")
    problems = voting.consistency_problems() + voting.stored_results_problems()
    if problems:
        raise click.ClickException("Số liệu bỏ phiếu không khớp:\n" + "\n".join(problems))
    click.echo("Bỏ phiếu: số đơn vị đã bỏ phiếu, số phiếu đã kiểm, số mã biên nhận và số sự "
               "kiện ballot.cast khớp nhau ở mọi cuộc bỏ phiếu.")


@audit_cli.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Ghi mốc vào tệp này (mặc định: in ra màn hình).")
def audit_checkpoint(out):
    """Export the chain's head, keyed with the audit key, to keep outside the database; later
    `audit verify --against FILE` finds events deleted or rewritten since."""
    import json
    from pathlib import Path

    body = json.dumps(audit.checkpoint(), ensure_ascii=False, indent=2)
    if out:
        Path(out).write_text(body + "\n", encoding="utf-8")
        click.echo(f"Đã ghi mốc nhật ký vào {out}.")
    else:
        click.echo(body)


DEMO_RESET = ("Muốn dựng lại dữ liệu mẫu từ đầu: `make demo-reset` (hoặc xóa "
              "instance/thidua.sqlite và instance/audit-anchor.json rồi chạy lại `make run`).")


def _until_option(value: str | None) -> datetime | None:
    """``--until``: an ISO 8601 moment, or a day (up to its end), Asia/Ho_Chi_Minh time."""
    from core.config import parse_now

    if not value:
        return None
    try:
        if len(value.strip()) == 10:
            return parse_now(f"{value.strip()}T23:59:59")
        return parse_now(value)
    except ValueError as exc:
        raise click.BadParameter(f"“{value}” không phải một ngày hay thời điểm (ví dụ "
                                 f"2022-02-20 hoặc 2022-02-20T09:00:00+07:00).",
                                 param_hint="--until") from exc


jobs_cli = AppGroup("jobs", help="Background jobs (imports) on the Redis queue.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def jobs_worker(burst):
    """Run the background jobs' worker (THIDUA_REDIS_URL): one process is enough for a
    province; run it under systemd next to gunicorn (docs/operations.md)."""
    from core import jobs_worker

    try:
        jobs_worker.worker(current_app._get_current_object(), burst=burst)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("demo")
@click.option("--until", "until_text", default=None, metavar="DATE",
              help="Diễn năm 2021 của Khối 8 qua các nghiệp vụ đến ngày hoặc thời điểm này "
                   "(ví dụ 2022-02-20 hoặc 2022-02-20T09:00:00+07:00): đăng ký, báo cáo, "
                   "chấm điểm, thẩm định, bỏ phiếu, văn bản.")
def demo_command(until_text):
    """Create the Khối 8 2021 demo (units, users, the campaigns) and, with --until, play its
    year up to DATE through the services. Run again, it plays on from where it stopped."""
    from core import demo_year

    until = _until_option(until_text)
    with unit_of_work():
        existing = db.session.scalar(
            select(Campaign).join(Bloc).where(Bloc.code == "khoi-8", Campaign.year == 2021))
        if existing is None:
            # the campaigns open on the plan's first day when the year is played from there
            opening = demo_year.OPENING if until and until >= demo_year.OPENING else None
            with demo_year.clock_at(opening or current_app.config.get("THIDUA_NOW")):
                build_demo()
        before = demo_year.played_until()
        if existing is not None and (until is None or (before and until <= before)):
            click.echo("Dữ liệu mẫu đã có sẵn"
                       + (f" (đã diễn đến {before:%d/%m/%Y %H:%M})." if before else "."))
            if until and before and until < before:
                click.echo(f"Không diễn lại đến {until:%d/%m/%Y %H:%M}: dữ liệu đã đi xa hơn.")
            click.echo(DEMO_RESET)
        elif until is not None:
            click.echo(f"Diễn năm 2021 của Khối 8 đến {until:%d/%m/%Y %H:%M}:")
            try:
                played = demo_year.play_demo(until, echo=click.echo)
            except demo_year.PlayRefused as exc:
                raise click.ClickException(f"Không diễn được: {exc}\n{DEMO_RESET}") from exc
            click.echo(f"Đã diễn {len(played)} bước.")
    print_demo_accounts()


@transactional
def build_demo() -> None:
    """The demo's units, users and campaigns, committed together (joins the caller's unit of
    work when there is one)."""
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    if admin is None:
        admin = accounts.create_user("admin", "Quản trị hệ thống", DEMO_PASSWORD, demo_password=True, admin=True,
                                     actor=None)
    if not db.session.scalar(select(User.id).where(User.username == "bantdkt")):
        accounts.create_user("bantdkt", "Cán bộ Ban Thi đua – Khen thưởng tỉnh", DEMO_PASSWORD, demo_password=True,
                             board=True, actor=None)
    for code, name, short, _role, _illustrative in DEMO_UNITS:
        if not db.session.scalar(select(Unit.id).where(Unit.code == code)):
            accounts.create_unit(code, name, short, actor=None)
        slug = code.removeprefix("so-")
        for suffix, role, title in (("canbo", "officer", "Cán bộ thi đua"),
                                    ("thutruong", "head", "Thủ trưởng")):
            username = f"{slug}.{suffix}"
            if not db.session.scalar(select(User.id).where(User.username == username)):
                full_name = DEMO_NAMES.get(username, f"{title} {short}")
                accounts.create_user(username, full_name, DEMO_PASSWORD, demo_password=True,
                                     unit_code=code, role=role, actor=None)
    campaigns.open_campaign(
        "khoi-8", 2021,
        [campaigns.MemberSpec(code, role) for code, _n, _s, role, _i in DEMO_UNITS],
        actor=admin)
    if "khoi-vhxh" in current_app.extensions["thidua"].collect_blocs():
        for code, name, short, _role in DEMO_VHXH_UNITS:
            accounts.create_unit(code, name, short, actor=None)
            for suffix, role, title in (("canbo", "officer", "Cán bộ thi đua"),
                                        ("thutruong", "head", "Thủ trưởng")):
                accounts.create_user(f"{code}.{suffix}", f"{title} {short}", DEMO_PASSWORD, demo_password=True,
                                     unit_code=code, role=role, actor=None)
        campaigns.open_campaign(
            "khoi-vhxh", 2021,
            [campaigns.MemberSpec(code, role) for code, _n, _s, role in DEMO_VHXH_UNITS],
            actor=admin)
    # The demo's 2025 (department mergers, Trà Vinh into Vĩnh Long); then the 2026 year.
    from core.services.unit_changes import apply_demo_2025_changes

    apply_demo_2025_changes()
    # The 2026 Vĩnh Long bloc, defined as data (plans/vinh-long-2026.json); its vote follows
    # the province-wide plugin, so nothing is opened when that plugin is disabled.
    from core.services.plan_documents import open_demo_2026

    open_demo_2026(actor=admin, host=current_app.extensions["thidua"])


def print_demo_accounts() -> None:
    click.echo("Khối thi đua Khối 8 — năm 2021 (dữ liệu mẫu)")
    click.echo(f"Mật khẩu của mọi tài khoản mẫu: {DEMO_PASSWORD}")
    click.echo("  admin      — quản trị hệ thống")
    click.echo("  bantdkt    — Ban Thi đua – Khen thưởng tỉnh")
    for code, name, _short, role, illustrative in DEMO_UNITS:
        slug = code.removeprefix("so-")
        label = {"leader": "Khối trưởng", "deputy": "Khối phó", "member": "Đơn vị thành viên"}[role]
        note = " (minh họa: kế hoạch không nêu tên đơn vị này)" if illustrative else ""
        click.echo(f"  {slug}.canbo / {slug}.thutruong — {name}, {label}{note}")
    if db.session.scalar(select(Unit.id).where(Unit.code == "bhxh")):
        click.echo("Khối thi đua Văn hóa – Xã hội (minh họa) — năm 2021, mọi đơn vị là minh họa:")
        for code, name, _short, role in DEMO_VHXH_UNITS:
            label = {"leader": "Khối trưởng", "deputy": "Khối phó", "member": "Đơn vị thành viên"}[role]
            click.echo(f"  {code}.canbo / {code}.thutruong — {name}, {label}")
    if db.session.scalar(select(Campaign.id).join(Bloc).where(Bloc.code == "vl-khoi-8")):
        click.echo("Khối thi đua Khối 8 tỉnh Vĩnh Long (minh họa) — năm 2026, kế hoạch bằng dữ "
                   "liệu (plans/vinh-long-2026.json): khcn Khối trưởng, noivu Khối phó; "
                   "vhttdl, gddt, yte, tuphap thành viên (cùng các tài khoản ở trên).")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(bloc_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(plugins_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(jobs_cli)
    from core.cli_remind import remind_command

    app.cli.add_command(remind_command)
    from core import cli_maintenance

    cli_maintenance.init_app(app)  # attachments check, backup, restore
