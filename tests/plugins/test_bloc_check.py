"""``flask --app wsgi bloc check CODE YEAR``: the same rules as opening a campaign."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import PROJECT_ROOT
from core.voting import CouncilVote, PollDefinition
from tests.support.plugins import PLUGINS_DIR, PlanPlugin, good_calendar, good_criteria

FLASK = str(Path(sys.executable).with_name("flask"))


def broken_plugin() -> PlanPlugin:
    """A points table that does not add up, phases out of order, a missing deliverable and
    invalid voting parameters, all at once."""
    criteria = good_criteria()
    group_a = criteria[0]
    short = dataclasses.replace(group_a, children=(
        *group_a.children[:2], dataclasses.replace(group_a.children[2], max_points=100)))
    calendar = good_calendar()
    swapped = [calendar[0], calendar[1], calendar[3], calendar[2], *calendar[4:]]
    return PlanPlugin(
        criteria=[short, *criteria[1:]],
        calendar=[p for p in swapped if p.code != "tham-dinh"],
        voting=CouncilVote(poll_definitions=(PollDefinition("co-thi-dua", "Cờ"),),
                           quorum="3/2", threshold_base="all"),
    )


BROKEN_PROBLEMS = [
    "Tiêu chí A: điểm tối đa của nhóm (600) khác tổng các mục con (550).",
    "Giai đoạn bao-cao-so-ket: mở trước giai đoạn đứng trước nó (hoi-nghi-so-ket); các giai "
    "đoạn phải theo thứ tự thời gian.",
    "Không có giai đoạn nào cho hồ sơ 'verification'.",
    "Bỏ phiếu: Tham số quorum = '3/2' không phải là tỷ lệ từ 0 đến 1.",
    "Bỏ phiếu: Tham số threshold_base = 'all' không hợp lệ (chọn một trong: members, voters, "
    "valid, present).",
]


def test_khoi8_2021_passes(runner):
    result = runner.invoke(args=["bloc", "check", "khoi-8", "2021"])
    assert result.exit_code == 0, result.output
    assert result.output == ("Kế hoạch khoi-8 2021 hợp lệ: 22 tiêu chí chấm điểm, tổng 100 "
                             "điểm, 8 giai đoạn, bỏ phiếu 'council_vote'.\n")


def test_broken_bloc_prints_each_problem_and_fails(app, runner):
    app.extensions["thidua"].register(broken_plugin(), "hong")
    result = runner.invoke(args=["bloc", "check", "khoi-hong", "2024"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:len(BROKEN_PROBLEMS)] == [f"- {p}" for p in BROKEN_PROBLEMS]
    assert lines[-1] == f"Error: Kế hoạch khoi-hong 2024 có {len(BROKEN_PROBLEMS)} lỗi."


@pytest.mark.parametrize(("args", "message"), [
    (["khoi-99", "2021"], "Error: Không có khối thi đua mã 'khoi-99'."),
    (["khoi-8", "2030"], "Error: Khối 'khoi-8' chưa có kế hoạch cho năm 2030."),
])
def test_unknown_bloc_or_year_fails(runner, args, message):
    result = runner.invoke(args=["bloc", "check", *args])
    assert result.exit_code == 1
    assert result.output.strip() == message


def run_flask(tmp_path: Path, *args: str, plugins_dir: Path | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    env["THIDUA_SECRET_KEY"] = "cli-test-secret"  # the app refuses to start without a key
    if plugins_dir is not None:
        env["THIDUA_PLUGINS_DIR"] = str(plugins_dir)
    return subprocess.run([FLASK, "--app", "wsgi", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_real_command_line(tmp_path):
    """The installed ``flask`` script, as an operator runs it (default plugins folder)."""
    done = run_flask(tmp_path, "bloc", "check", "khoi-8", "2021")
    assert done.returncode == 0, done.stderr
    assert "Kế hoạch khoi-8 2021 hợp lệ" in done.stdout


def test_the_real_command_line_with_another_plugins_folder(tmp_path):
    done = run_flask(tmp_path, "plugins", plugins_dir=PLUGINS_DIR)
    assert done.returncode == 0, done.stderr
    assert f"khoi_thu 2024.1 [loaded] ({PLUGINS_DIR / 'khoi_thu'})" in done.stdout
    assert f"tinh_thu_nghiem 1.0 [loaded] ({PLUGINS_DIR / 'tinh_thu_nghiem'})" in done.stdout
    assert "khoi8" not in done.stdout
    done = run_flask(tmp_path, "bloc", "check", "khoi-thu-nghiem", "2025",
                     plugins_dir=PLUGINS_DIR)
    assert done.returncode == 0, done.stderr
    assert ("Kế hoạch khoi-thu-nghiem 2025 hợp lệ: 6 tiêu chí chấm điểm, tổng 1000 điểm, "
            "7 giai đoạn") in done.stdout


def test_a_broken_plugin_folder_stops_the_command(tmp_path):
    done = run_flask(tmp_path, "plugins", plugins_dir=PLUGINS_DIR / "_broken" / "import_error")
    assert done.returncode != 0
    assert "Plugin 'boom'" in done.stderr
    assert "RuntimeError: cấu hình hỏng trong plugin thử nghiệm" in done.stderr
