"""The plugin manager: one per app, at ``app.extensions["thidua"]``.

Discovery, in order: every package under the plugins folder (``plugins/`` by default, no
reinstall needed), then the ``thidua.plugins`` entry-point group. ``THIDUA_DISABLED_PLUGINS``
blocks plugins by name. A plugin that fails to import, or implements a hook that does not
exist (``check_pending``), stops start-up with a message naming it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from core import hookspecs
from core.config import PROJECT_ROOT
from core.errors import PluginError
from core.plugin_api import PROJECT_NAME, BlocInfo

ENTRY_POINT_GROUP = "thidua.plugins"


@dataclass
class PluginRecord:
    """What the plugins page shows about one plugin."""

    name: str
    version: str
    source: str
    status: str = "loaded"  # loaded | failed | disabled
    error: str = ""
    module: Any = None
    blocs: list[BlocInfo] = field(default_factory=list)

    def hooks(self, pm: pluggy.PluginManager) -> list[str]:
        if self.module is None or pm.get_plugin(self.name) is None:
            return []
        return sorted(caller.name for caller in pm.get_hookcallers(self.module) or [])


def _import_from_directory(directory: Path, name: str) -> types.ModuleType:
    if directory.resolve() == (PROJECT_ROOT / "plugins").resolve():
        return importlib.import_module(f"plugins.{name}")
    parent = "thidua_local_" + hashlib.sha1(str(directory.resolve()).encode()).hexdigest()[:10]  # noqa: S324
    if parent not in sys.modules:
        package = types.ModuleType(parent)
        package.__path__ = [str(directory)]
        sys.modules[parent] = package
    return importlib.import_module(f"{parent}.{name}")


class PluginHost:
    """Wraps a pluggy PluginManager with the records the admin pages and API need."""

    def __init__(self, disabled: list[str] | None = None) -> None:
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self.disabled = set(disabled or [])
        for name in self.disabled:
            self.pm.set_blocked(name)

    # -- loading --------------------------------------------------------------------------
    def register(self, module: Any, name: str | None = None, *, version: str | None = None,
                 source: str = "code") -> PluginRecord:
        """Register a plugin object (module or instance). Used by discovery and by tests."""
        name = name or getattr(module, "__name__", None) or repr(module)
        version = version or str(getattr(module, "__version__", "0"))
        if name in self.disabled:
            record = PluginRecord(name, version, source, status="disabled")
            self.records[name] = record
            return record
        try:
            self.pm.register(module, name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"Plugin '{name}' ({source}) is invalid: {exc}") from exc
        except ValueError as exc:  # pluggy: the name or the object is already registered
            raise PluginError(f"Plugin '{name}' ({source}) is already registered: {exc}") from exc
        record = PluginRecord(name, version, source, module=module)
        self.records[name] = record
        return record

    def unregister(self, name: str) -> None:
        record = self.records.pop(name, None)
        if record is not None and self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)

    def load_directory(self, directory: Path) -> None:
        if not directory.is_dir():
            return
        for child in sorted(directory.iterdir()):
            if not (child / "__init__.py").is_file() or child.name.startswith(("_", ".")):
                continue
            if child.name in self.disabled:
                self.records[child.name] = PluginRecord(child.name, "?", str(child),
                                                        status="disabled")
                continue
            try:
                module = _import_from_directory(directory, child.name)
            except Exception as exc:
                raise PluginError(
                    f"Plugin '{child.name}' in {child} failed to load: "
                    f"{type(exc).__name__}: {exc}") from exc
            self.register(module, child.name, source=str(child))

    def load_entry_points(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.disabled:
                self.records[ep.name] = PluginRecord(ep.name, "?", f"entry point {ep.value}",
                                                     status="disabled")
                continue
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"Plugin '{ep.name}' (entry point {ep.value}) failed to load: "
                    f"{type(exc).__name__}: {exc}") from exc
            version = ep.dist.version if ep.dist else None
            self.register(module, ep.name, version=version, source=f"entry point {ep.value}")

    def check(self) -> None:
        """Fail when a plugin implements a hook that no spec declares (a misspelling)."""
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self.pm.get_name(exc.plugin) or repr(exc.plugin)
            self.mark_failed(name, str(exc))
            raise PluginError(f"Plugin '{name}' implements a hook that does not exist "
                              f"(misspelled?): {exc}") from exc

    # -- asking -----------------------------------------------------------------------
    def first_answer(self, hook_name: str, **kwargs: Any) -> tuple[Any, str | None]:
        """Call a firstresult hook in pluggy's order and say which plugin answered."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                result = impl.function(**args)
            except Exception as exc:
                self.mark_failed(impl.plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                raise PluginError(
                    f"Plugin '{impl.plugin_name}' gặp lỗi khi trả lời {hook_name}: "
                    f"{type(exc).__name__}: {exc}") from exc
            if result is not None:
                return result, impl.plugin_name
        return None, None

    def all_answers(self, hook_name: str, **kwargs: Any) -> list[tuple[Any, str]]:
        """Call a collecting hook in pluggy's order (most specific first: tryfirst, plain,
        trylast) and return each non-None answer with the plugin that gave it."""
        caller = getattr(self.pm.hook, hook_name)
        answers: list[tuple[Any, str]] = []
        for impl in reversed(caller.get_hookimpls()):
            args = {name: kwargs[name] for name in impl.argnames}
            try:
                result = impl.function(**args)
            except Exception as exc:
                self.mark_failed(impl.plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                raise PluginError(
                    f"Plugin '{impl.plugin_name}' gặp lỗi khi trả lời {hook_name}: "
                    f"{type(exc).__name__}: {exc}") from exc
            if result is not None:
                answers.append((result, impl.plugin_name))
        return answers

    def collect_blocs(self) -> dict[str, tuple[BlocInfo, str]]:
        """Every bloc any loaded plugin supplies, by code, with the plugin's name."""
        found: dict[str, tuple[BlocInfo, str]] = {}
        caller = self.pm.hook.thidua_register_blocs
        for impl in reversed(caller.get_hookimpls()):
            record = self.records.get(impl.plugin_name)
            try:
                answer = impl.function() or []
                blocs = [b for b in answer if isinstance(b, BlocInfo)]
                if len(blocs) != len(answer):
                    raise TypeError("thidua_register_blocs must return a list of BlocInfo")
            except Exception as exc:
                self.mark_failed(impl.plugin_name, f"thidua_register_blocs: {exc}")
                continue
            if record is not None:
                record.blocs = blocs
            for bloc in blocs:
                found.setdefault(bloc.code, (bloc, impl.plugin_name))
        return found

    def mark_failed(self, name: str, error: str) -> None:
        record = self.records.get(name)
        if record is not None:
            record.status = "failed"
            record.error = error

    def describe(self) -> list[dict[str, Any]]:
        """Name, version, hooks, blocs, status and error of every plugin, by name."""
        self.collect_blocs()
        rows = []
        for name in sorted(self.records):
            record = self.records[name]
            rows.append({
                "name": record.name,
                "version": record.version,
                "source": record.source,
                "status": record.status,
                "error": record.error,
                "hooks": record.hooks(self.pm),
                "blocs": [{"code": b.code, "name": b.name, "years": list(b.years)}
                          for b in record.blocs],
            })
        return rows


def build_plugin_host(config: dict[str, Any]) -> PluginHost:
    """Discover and load every plugin for an app; raises PluginError on the first failure."""
    host = PluginHost(disabled=config.get("THIDUA_DISABLED_PLUGINS"))
    host.load_directory(Path(config["THIDUA_PLUGINS_DIR"]))
    if config.get("THIDUA_LOAD_ENTRY_POINTS", True):
        host.load_entry_points()
    host.check()
    return host
