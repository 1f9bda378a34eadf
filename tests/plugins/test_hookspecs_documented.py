"""Every hook is specified in the one contract file (core/plugin_api.py) with a one-line
docstring, documented in docs/plugins.md and has a test of its own named ``test_hook_<name>``
(the Datasette pattern); the guide cites only tests that exist."""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import pytest

from core import hookspecs, plugin_api
from core.config import PROJECT_ROOT
from core.plugins import PluginHost

TESTS = Path(__file__).resolve().parent.parent
GUIDE = PROJECT_ROOT / "docs" / "plugins.md"


def hook_names() -> list[str]:
    """The hooks the contract file specifies."""
    return sorted(name for name, value in vars(plugin_api).items()
                  if inspect.isfunction(value) and hasattr(value, "thidua_spec"))


@cache
def defined_tests() -> dict[Path, set[str]]:
    """The test functions (and methods) defined in every test module, by file."""
    found: dict[Path, set[str]] = {}
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found[path.resolve()] = {node.name for node in ast.walk(tree)
                                 if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                                 and node.name.startswith("test_")}
    return found


def test_the_hook_list_is_what_the_manager_knows():
    names = hook_names()
    # Hooks are added, never removed (plugins written for an older core keep working).
    assert {"thidua_criteria", "thidua_document_templates", "thidua_phase_calendar",
            "thidua_register_blocs", "thidua_voting_procedure"} <= set(names)
    pm = PluginHost().pm
    assert sorted(n for n in vars(pm.hook) if not n.startswith("_")
                  and getattr(pm.hook, n).has_spec()) == names


def test_core_hookspecs_hands_pluggy_exactly_the_contract():
    """core/hookspecs.py only re-exports the specs written in core/plugin_api.py."""
    handed = sorted(name for name, value in vars(hookspecs).items()
                    if inspect.isfunction(value) and hasattr(value, "thidua_spec"))
    assert handed == hook_names()
    assert all(getattr(hookspecs, name) is getattr(plugin_api, name) for name in handed)


def test_the_contract_file_states_the_whole_voting_protocol():
    protocol = plugin_api.VotingProcedure
    members = {name for name in vars(protocol) if not name.startswith("_")}
    assert {"config", "from_config", "polls", "check_ballot", "tally", "describe"} <= members
    assert "name" in protocol.__annotations__
    assert isinstance(inspect.getattr_static(protocol, "from_config"), classmethod)
    from core import voting

    for name in ("PollContext", "PollSpec", "PollResult", "BallotRejected",
                 "ProcedureDescription", "VotingProcedure"):
        assert getattr(voting, name) is getattr(plugin_api, name), name


@pytest.mark.parametrize("name", hook_names())
def test_hook_has_a_one_line_docstring(name):
    doc = inspect.getdoc(getattr(plugin_api, name))
    assert doc and doc.strip(), f"{name} has no docstring"
    assert "\n" not in doc.strip(), f"{name}: the docstring must be one line"


@pytest.mark.parametrize("name", hook_names())
def test_hook_is_documented_with_its_signature(name):
    guide = GUIDE.read_text(encoding="utf-8")
    parameters = ", ".join(inspect.signature(getattr(plugin_api, name)).parameters)
    assert f"{name}({parameters})" in guide, f"docs/plugins.md does not show {name}({parameters})"


@pytest.mark.parametrize("name", hook_names())
def test_hook_has_its_own_test(name):
    wanted = f"test_hook_{name}"
    where = [path.relative_to(TESTS) for path, names in defined_tests().items()
             if wanted in names]
    assert where, f"no test under tests/ is named {wanted}"


def cited_tests() -> list[str]:
    """Every path under tests/ the guide mentions, with ``::test_name`` when it names one."""
    guide = GUIDE.read_text(encoding="utf-8")
    return sorted(set(re.findall(r"tests/[\w./-]*[\w/](?:::\w+)?", guide)))


def test_the_guide_cites_tests():
    assert any(c.endswith(".py") or "::" in c for c in cited_tests())


@pytest.mark.parametrize("cited", cited_tests())
def test_the_guide_cites_only_tests_that_exist(cited):
    path, _, test = cited.partition("::")
    target = PROJECT_ROOT / path
    assert target.exists(), f"docs/plugins.md cites {path}, which does not exist"
    if test:
        assert test in defined_tests().get(target.resolve(), set()), \
            f"docs/plugins.md cites {cited}, but {path} has no test {test}"


def test_the_guide_s_minimal_plugin_passes_bloc_check(app, runner):
    """The first code block of docs/plugins.md is a working plugin."""
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
