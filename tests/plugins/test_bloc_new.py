"""``flask bloc new`` writes a plugin that passes ``bloc check`` and its own tests as written;
``bloc check`` prints each problem of a broken plan plainly."""

import subprocess
import sys
from pathlib import Path

from core.extensions import db
from tests.support import make_app

ROOT = Path(__file__).resolve().parent.parent.parent


def test_generated_plugin_checks_and_tests_pass(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    app = make_app(tmp_path, THIDUA_PLUGINS_DIR=str(plugins))
    result = app.test_cli_runner().invoke(
        args=["bloc", "new", "khoi-5", "--name", "Khối thi đua Khối 5", "--year", "2026"])
    assert result.exit_code == 0, result.output
    assert (plugins / "khoi_5" / "__init__.py").is_file()
    again = app.test_cli_runner().invoke(args=["bloc", "new", "khoi-5"])
    assert again.exit_code != 0 and "không ghi đè" in again.output

    fresh = make_app(tmp_path, THIDUA_PLUGINS_DIR=str(plugins))  # discovered at start-up
    with fresh.app_context():
        check = fresh.test_cli_runner().invoke(args=["bloc", "check", "khoi-5", "2026"])
        db.engine.dispose()
    assert check.exit_code == 0, check.output
    assert "hợp lệ" in check.output
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            str(plugins / "khoi_5")], cwd=ROOT, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout


def test_bad_code_refused(tmp_path):
    app = make_app(tmp_path, THIDUA_PLUGINS_DIR=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["bloc", "new", "Khối 5!"])
    assert result.exit_code != 0 and "chữ thường" in result.output


def test_broken_plan_problems_printed(tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    app = make_app(tmp_path, THIDUA_PLUGINS_DIR=str(plugins))
    app.test_cli_runner().invoke(args=["bloc", "new", "khoi-9", "--year", "2026"])
    source = plugins / "khoi_9" / "__init__.py"
    text = source.read_text(encoding="utf-8")
    text = text.replace('Criterion("1.2", "Tiêu chí 1.2 (cần điền)", 25)',
                        'Criterion("1.2", "Tiêu chí 1.2 (cần điền)", 20)')
    text = text.replace("date(year, 6, 1), date(year, 6, 15)", "date(year, 6, 20), date(year, 6, 15)")
    source.write_text(text, encoding="utf-8")
    broken = make_app(tmp_path, THIDUA_PLUGINS_DIR=str(plugins))
    with broken.app_context():
        result = broken.test_cli_runner().invoke(args=["bloc", "check", "khoi-9", "2026"])
        db.engine.dispose()
    assert result.exit_code != 0
    assert "khác tổng các mục con" in result.output
    assert "sau hạn" in result.output
