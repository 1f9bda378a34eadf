"""The plugin manager: discovery (folder, entry points), fail-fast start-up, blocking by
name, one manager per app, and the three faces that list plugins (CLI, API, admin page)."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

import core.plugins
from core.config import PROJECT_ROOT
from core.errors import PluginError
from core.plugin_api import hookimpl
from core.plugins import ENTRY_POINT_GROUP, PluginHost
from core.services.plans import gather_plan
from tests.plugins.fixtures import khoi_thu, tinh_thu_nghiem
from tests.support import api_token, bearer, login, make_app, without_extras
from tests.support.plugins import (
    BROKEN_DIR,
    KHOI8_MEMBERS,
    PLUGINS_DIR,
    app_with_db,
    seed_people,
)

ALL_HOOKS = ["thidua_criteria", "thidua_document_templates", "thidua_phase_calendar",
             "thidua_register_blocs", "thidua_voting_procedure"]
KHOI8_HOOKS = ["thidua_criteria", "thidua_phase_calendar", "thidua_register_blocs",
               "thidua_voting_procedure"]


class FakeDist:
    def __init__(self, version: str) -> None:
        self.version = version


class FakeEntryPoint:
    """What ``importlib.metadata.entry_points(group=...)`` yields: name, value, load(), dist."""

    def __init__(self, name: str, value: str, target=None, *, error: Exception | None = None,
                 version: str | None = "3.1.4") -> None:
        self.name, self.value, self._target, self._error = name, value, target, error
        self.dist = FakeDist(version) if version else None

    def load(self):
        if self._error is not None:
            raise self._error
        return self._target


@pytest.fixture
def entry_points(monkeypatch):
    """Replace ``importlib.metadata.entry_points`` as ``core.plugins`` sees it."""
    installed: list[FakeEntryPoint] = []
    groups: list[str | None] = []

    def fake(*, group: str | None = None):
        groups.append(group)
        return list(installed) if group == ENTRY_POINT_GROUP else []

    monkeypatch.setattr(core.plugins.importlib.metadata, "entry_points", fake)
    fake.installed, fake.groups = installed, groups
    return fake


# -- discovery ---------------------------------------------------------------------------

def test_default_folder_loads_khoi8(app):
    host = app.extensions["thidua"]
    record = host.records["khoi8"]
    assert (record.version, record.status) == ("2021.1", "loaded")
    assert Path(record.source) == PROJECT_ROOT / "plugins" / "khoi8"
    assert record.hooks(host.pm) == KHOI8_HOOKS
    assert set(host.collect_blocs()) == {"khoi-8"}


def test_directory_discovery_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("THIDUA_PLUGINS_DIR", str(PLUGINS_DIR))
    host = make_app(tmp_path).extensions["thidua"]
    # Packages only: support.py (a module) and _broken/ (leading underscore) are skipped.
    assert sorted(host.records) == ["khoi_thu", "tinh_thu_nghiem"]
    assert Path(host.records["khoi_thu"].source) == PLUGINS_DIR / "khoi_thu"
    assert host.records["khoi_thu"].version == "2024.1"
    assert host.records["tinh_thu_nghiem"].version == "1.0"
    assert host.records["khoi_thu"].hooks(host.pm) == ALL_HOOKS
    assert host.records["tinh_thu_nghiem"].hooks(host.pm) == ["thidua_voting_procedure"]
    assert set(host.collect_blocs()) == {"khoi-thu-nghiem"}
    plan = gather_plan(host, "khoi-thu-nghiem", 2025)
    assert plan.problems == []
    assert plan.voting_plugin == "tinh_thu_nghiem"
    assert plan.documents == {"bien-ban-hop-khoi": "khoi_thu/bien_ban_hop_khoi.html"}


def test_entry_point_discovery(tmp_path, entry_points):
    entry_points.installed.append(
        FakeEntryPoint("khoi_thu_pip", "khoi_thu_pkg:plugin", khoi_thu, version="3.1.4"))
    entry_points.installed.append(
        FakeEntryPoint("tinh_pip", "tinh_thu_nghiem_pkg", tinh_thu_nghiem, version=None))
    host = make_app(tmp_path, THIDUA_LOAD_ENTRY_POINTS=True).extensions["thidua"]
    assert ENTRY_POINT_GROUP in entry_points.groups
    # Folder first (khoi8), then the entry points, in the order they are listed.
    assert without_extras(host.records) == ["khoi8", "khoi_thu_pip", "tinh_pip"]
    record = host.records["khoi_thu_pip"]
    assert record.version == "3.1.4"  # from the distribution's metadata
    assert record.source == "entry point khoi_thu_pkg:plugin"
    assert host.records["tinh_pip"].version == "1.0"  # no dist: the module's __version__
    assert set(host.collect_blocs()) == {"khoi-8", "khoi-thu-nghiem"}
    assert gather_plan(host, "khoi-thu-nghiem", 2025).voting_plugin == "tinh_pip"


def test_entry_points_are_not_read_when_switched_off(tmp_path, entry_points):
    entry_points.installed.append(FakeEntryPoint("khoi_thu_pip", "x:y", khoi_thu))
    host = make_app(tmp_path, THIDUA_LOAD_ENTRY_POINTS=False).extensions["thidua"]
    assert entry_points.groups == []
    assert without_extras(host.records) == ["khoi8"]


def test_entry_point_that_fails_to_load_stops_start_up(tmp_path, entry_points):
    entry_points.installed.append(FakeEntryPoint(
        "hong_pip", "hong_pkg:plugin", error=ImportError("No module named 'hong_pkg'")))
    with pytest.raises(PluginError) as info:
        make_app(tmp_path, THIDUA_LOAD_ENTRY_POINTS=True)
    message = str(info.value)
    assert "'hong_pip'" in message and "hong_pkg:plugin" in message
    assert "ImportError: No module named 'hong_pkg'" in message


def test_same_name_from_folder_and_entry_point_is_refused(tmp_path, entry_points):
    entry_points.installed.append(FakeEntryPoint("khoi8", "other_khoi8", khoi_thu))
    with pytest.raises(PluginError, match="Plugin 'khoi8' .* already registered"):
        make_app(tmp_path, THIDUA_LOAD_ENTRY_POINTS=True)


# -- failing fast ------------------------------------------------------------------------

def test_misspelled_hook_fails_start_up_naming_the_plugin(tmp_path):
    with pytest.raises(PluginError) as info:
        make_app(tmp_path, THIDUA_PLUGINS_DIR=str(BROKEN_DIR / "unknown_hook"))
    message = str(info.value)
    assert message.startswith("Plugin 'typo' implements a hook that does not exist")
    assert "'thidua_critera'" in message


def test_check_pending_names_a_plugin_registered_in_code(app):
    host = app.extensions["thidua"]
    typo = types.SimpleNamespace()

    @hookimpl
    def thidua_critera(bloc, year):
        return None

    typo.thidua_critera = thidua_critera
    host.register(typo, "chinh_ta")
    with pytest.raises(PluginError, match=r"^Plugin 'chinh_ta' .*'thidua_critera'"):
        host.check()
    assert host.records["chinh_ta"].status == "failed"
    host.unregister("chinh_ta")
    host.check()  # the remaining plugins are fine


def test_wrong_hook_arguments_are_refused_at_registration(app):
    bad = types.SimpleNamespace()

    @hookimpl
    def thidua_criteria(bloc, nam):  # "nam" is not an argument of the spec
        return None

    bad.thidua_criteria = thidua_criteria
    with pytest.raises(PluginError, match=r"Plugin 'sai_tham_so' \(code\) is invalid"):
        app.extensions["thidua"].register(bad, "sai_tham_so")
    assert "sai_tham_so" not in app.extensions["thidua"].records


def test_plugin_whose_import_raises_stops_create_app(tmp_path):
    with pytest.raises(PluginError) as info:
        make_app(tmp_path, THIDUA_PLUGINS_DIR=str(BROKEN_DIR / "import_error"))
    message = str(info.value)
    assert message.startswith("Plugin 'boom' in ")
    assert str(BROKEN_DIR / "import_error" / "boom") in message
    assert "RuntimeError: cấu hình hỏng trong plugin thử nghiệm" in message


def test_a_broken_plugin_can_be_disabled_to_start(tmp_path):
    """THIDUA_DISABLED_PLUGINS skips the import, so a broken plugin can be blocked."""
    host = make_app(tmp_path, THIDUA_PLUGINS_DIR=str(BROKEN_DIR / "import_error"),
                    THIDUA_DISABLED_PLUGINS=["boom"]).extensions["thidua"]
    assert host.records["boom"].status == "disabled"


def test_plugin_raising_in_a_hook_is_reported_as_a_plan_problem(app):
    crashing = types.SimpleNamespace(__version__="0.2")

    @hookimpl(tryfirst=True)
    def thidua_criteria(bloc, year):
        raise ZeroDivisionError("chia cho 0")

    crashing.thidua_criteria = thidua_criteria
    host = app.extensions["thidua"]
    host.register(crashing, "hay_loi")
    plan = gather_plan(host, "khoi-8", 2021)
    assert plan.problems == [
        "Plugin 'hay_loi' gặp lỗi khi trả lời thidua_criteria: ZeroDivisionError: chia cho 0"]
    assert host.records["hay_loi"].status == "failed"


# -- blocking by name --------------------------------------------------------------------

def test_disabled_plugin_by_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("THIDUA_DISABLED_PLUGINS", "khoi8, tinh_thu_nghiem, khoi_vhxh, toan_tinh")
    with app_with_db(tmp_path) as app:
        host = app.extensions["thidua"]
        assert host.disabled == {"khoi8", "tinh_thu_nghiem", "khoi_vhxh", "toan_tinh"}
        assert host.collect_blocs() == {}
        rows = {r["name"]: r for r in host.describe()}
        assert rows["khoi8"]["status"] == "disabled" and rows["khoi8"]["hooks"] == []
        seed_people()
        client = app.test_client()
        token = api_token(client, "admin")
        assert client.get("/api/v1/blocs", headers=bearer(token)).get_json() == []
        listed = client.get("/api/v1/plugins", headers=bearer(token)).get_json()
        assert [(p["name"], p["status"]) for p in without_extras(listed)] == [
            ("khoi8", "disabled")]
        response = client.post("/api/v1/campaigns", headers=bearer(token), json={
            "bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS})
        assert response.status_code == 404
        assert response.get_json()["error"] == {
            "code": "unknown_bloc", "message": "Không có khối thi đua mã 'khoi-8'."}
        result = app.test_cli_runner().invoke(args=["plugins"])
        assert "khoi8 ? [disabled]" in result.output
        assert "bloc: khoi-8" not in result.output
        result = app.test_cli_runner().invoke(args=["bloc", "check", "khoi-8", "2021"])
        assert result.exit_code != 0
        assert "Không có khối thi đua mã 'khoi-8'." in result.output
        # The name is blocked in pluggy too: registering it in code adds no hook.
        host.register(khoi_thu, "khoi8")
        assert host.pm.get_plugin("khoi8") is None
        assert host.collect_blocs() == {}


def test_disabling_a_plugin_keeps_its_campaigns_readable(tmp_path, monkeypatch):
    """Open with the plugin, restart with it disabled: the campaign reads its snapshot."""
    with app_with_db(tmp_path) as app:
        seed_people()
        client = app.test_client()
        token = api_token(client, "admin")
        opened = client.post("/api/v1/campaigns", headers=bearer(token), json={
            "bloc": "khoi-8", "year": 2021, "members": KHOI8_MEMBERS})
        assert opened.status_code == 201
        monkeypatch.setenv("THIDUA_DISABLED_PLUGINS", "khoi8, khoi_vhxh, toan_tinh")
        with app_with_db(tmp_path, keep=True) as restarted:
            assert restarted.extensions["thidua"].collect_blocs() == {}
            again = restarted.test_client().get("/api/v1/campaigns/khoi-8/2021",
                                                headers=bearer(token))
            assert again.status_code == 200
            assert again.get_json() == opened.get_json()


# -- one manager per app -----------------------------------------------------------------

def test_each_app_has_its_own_plugin_manager(tmp_path):
    first, second = make_app(tmp_path), make_app(tmp_path)
    one, two = first.extensions["thidua"], second.extensions["thidua"]
    assert isinstance(one, PluginHost) and one is not two and one.pm is not two.pm
    one.register(khoi_thu, "khoi_thu")
    assert set(one.collect_blocs()) == {"khoi-8", "khoi-thu-nghiem"}
    assert set(two.collect_blocs()) == {"khoi-8"}
    assert "khoi_thu" not in two.records
    one.unregister("khoi8")
    assert set(one.collect_blocs()) == {"khoi-thu-nghiem"}
    assert set(two.collect_blocs()) == {"khoi-8"}
    assert two.pm.get_plugin("khoi8") is not None


# -- the faces that list plugins ---------------------------------------------------------

def test_plugins_command(runner, app):
    app.extensions["thidua"].register(tinh_thu_nghiem, "tinh_thu_nghiem")
    result = runner.invoke(args=["plugins"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    khoi8_line = lines.index(
        f"khoi8 2021.1 [loaded] ({PROJECT_ROOT / 'plugins' / 'khoi8'})")
    assert lines[khoi8_line + 1] == "  hooks: " + ", ".join(KHOI8_HOOKS)
    assert lines[khoi8_line + 2] == "  bloc: khoi-8 — Khối thi đua Khối 8 (2021)"
    assert "tinh_thu_nghiem 1.0 [loaded] (code)" in lines
    assert "  hooks: thidua_voting_procedure" in lines


def test_plugins_api(client, app):
    seed_people()
    token = api_token(client, "tttt.canbo")
    response = client.get("/api/v1/plugins", headers=bearer(token))
    assert response.status_code == 200
    (row,) = without_extras(response.get_json())
    assert row["name"] == "khoi8" and row["version"] == "2021.1"
    assert row["status"] == "loaded" and row["error"] == ""
    assert row["hooks"] == KHOI8_HOOKS
    assert row["blocs"] == [{"code": "khoi-8", "name": "Khối thi đua Khối 8", "years": [2021]}]
    assert client.get("/api/v1/plugins").status_code == 401


def test_admin_plugins_page(client, app):
    seed_people()
    assert client.get("/admin/plugins").status_code == 302  # to the sign-in page
    assert login(client, "tttt.canbo").status_code == 302
    assert client.get("/admin/plugins").status_code == 403
    client.post("/logout")
    assert login(client, "admin").status_code == 302
    response = client.get("/admin/plugins")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<code>khoi8</code>" in page
    assert "2021.1" in page and "Khối thi đua Khối 8" in page
    assert "thidua_criteria</code>" in page
