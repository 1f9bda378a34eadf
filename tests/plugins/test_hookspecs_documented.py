"""Every hook is specified with a one-line docstring, documented in docs/plugins.md and
exercised by at least one other test file (the Datasette pattern)."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from core import hookspecs
from core.config import PROJECT_ROOT
from core.plugins import PluginHost

TESTS = Path(__file__).resolve().parent.parent
GUIDE = PROJECT_ROOT / "docs" / "plugins.md"


def hook_names() -> list[str]:
    return sorted(name for name, value in vars(hookspecs).items()
                  if inspect.isfunction(value) and hasattr(value, "thidua_spec"))


def test_the_hook_list_is_what_the_manager_knows():
    names = hook_names()
    # Hooks are added, never removed (plugins written for an older core keep working).
    assert {"thidua_criteria", "thidua_document_templates", "thidua_phase_calendar",
            "thidua_register_blocs", "thidua_voting_procedure"} <= set(names)
    pm = PluginHost().pm
    assert sorted(n for n in vars(pm.hook) if not n.startswith("_")
                  and getattr(pm.hook, n).has_spec()) == names


@pytest.mark.parametrize("name", hook_names())
def test_hook_has_a_one_line_docstring(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc and doc.strip(), f"{name} has no docstring"
    assert "\n" not in doc.strip(), f"{name}: the docstring must be one line"


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_documented_with_its_signature(name):
    guide = GUIDE.read_text(encoding="utf-8")
    parameters = ", ".join(inspect.signature(getattr(hookspecs, name)).parameters)
    assert f"{name}({parameters})" in guide, f"docs/plugins.md does not show {name}({parameters})"


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_exercised_by_a_test(name):
    this = Path(__file__).resolve()
    files = [p for p in TESTS.rglob("test_*.py") if p.resolve() != this]
    users = [p.relative_to(TESTS) for p in files if name in p.read_text(encoding="utf-8")]
    assert users, f"no test under tests/ mentions {name}"


def test_the_guide_s_minimal_plugin_passes_bloc_check(app, runner):
    """The first code block of docs/plugins.md is a working plugin."""
    import re
    import types

    guide = GUIDE.read_text(encoding="utf-8")
    source = re.search(r"```python\n(# plugins/khoi5/__init__\.py\n.*?)```", guide, re.S).group(1)
    module = types.ModuleType("khoi5_from_the_guide")
    exec(compile(source, "docs/plugins.md", "exec"), module.__dict__)  # noqa: S102
    app.extensions["thidua"].register(module, "khoi5")
    result = runner.invoke(args=["bloc", "check", "khoi-5", "2025"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Kế hoạch khoi-5 2025 hợp lệ: 3 tiêu chí chấm điểm, "
                                    "tổng 100 điểm, 5 giai đoạn")


def test_the_guide_shows_the_real_bloc_check_output(runner):
    result = runner.invoke(args=["bloc", "check", "khoi-8", "2021"])
    assert result.output.strip() in GUIDE.read_text(encoding="utf-8")
