"""The plugin manager: one per app, at ``app.extensions["thidua"]``.

Discovery, in order: every package under the plugins folder (``plugins/`` by default, no
reinstall needed), then the ``thidua.plugins`` entry-point group. ``THIDUA_DISABLED_PLUGINS``
blocks plugins by name. A plugin that fails to import, or implements a hook that does not
exist (``check_pending``), stops start-up with a message naming it.

Hooks are called through pluggy (``pm.hook.<name>(**kwargs)``), so ``firstresult``,
``tryfirst``/``trylast`` and ``wrapper=True`` behave exactly as pluggy documents them.
Pluggy does not report which implementation gave an answer or raised (pytest-dev/pluggy#235,
#485), yet the core must say it: the snapshot records the plugin that gave the voting
procedure, and the plugins page marks a failing plugin with the hook that failed. So each
plugin is registered through a namespace of forwarders (:func:`_attributed`): for every hook
implementation of the plugin, a function with the same signature and the same hookimpl
options that calls it and notes, for the call in progress, what it returned or raised —
changing nothing of either. Pluggy still orders and calls everything.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import inspect
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
        registered = pm.get_plugin(self.name)
        if self.module is None or registered is None:
            return []
        return sorted(caller.name for caller in pm.get_hookcallers(registered) or [])


# -- which plugin answered ---------------------------------------------------------------

@dataclass
class _Note:
    """What one hook implementation returned (not None) or raised, during one hook call."""

    plugin: str
    value: Any = None
    error: BaseException | None = None


_NOTES: ContextVar[list[_Note] | None] = ContextVar("thidua_hook_notes", default=None)


def _note(plugin: str, value: Any = None, error: BaseException | None = None) -> None:
    notes = _NOTES.get()
    if notes is not None:
        notes.append(_Note(plugin, value, error))


@contextmanager
def _noting() -> Iterator[list[_Note]]:
    """Collect the notes of the hook calls made inside the block."""
    notes: list[_Note] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)


def _forwarder(plugin: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A function pluggy sees as the implementation: same signature (``__wrapped__``), same
    kind (a generator function for a wrapper), same result, same exceptions."""
    if inspect.isgeneratorfunction(function):  # wrapper=True (or an old-style hookwrapper)
        @functools.wraps(function)
        def forward_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                value = yield from function(*args, **kwargs)
            except Exception as exc:
                _note(plugin, error=exc)
                raise
            if value is not None:
                _note(plugin, value=value)
            return value

        return forward_wrapper

    @functools.wraps(function)
    def forward(*args: Any, **kwargs: Any) -> Any:
        try:
            value = function(*args, **kwargs)
        except Exception as exc:
            _note(plugin, error=exc)
            raise
        if value is not None:
            _note(plugin, value=value)
        return value

    return forward


class _Forwarders:
    """What pluggy registers for one plugin (compared and hashed by identity)."""

    def __init__(self, name: str) -> None:
        self._thidua_name = name

    def __repr__(self) -> str:
        return f"<plugin {self._thidua_name!r}>"


def _attributed(pm: pluggy.PluginManager, plugin: Any, name: str) -> _Forwarders:
    """The object registered in pluggy for ``plugin``: a forwarder, with the plugin's own
    hookimpl options, for each of its hook implementations (found as pluggy finds them)."""
    forwarders = _Forwarders(name)
    for attribute in dir(plugin):
        opts = pm.parse_hookimpl_opts(plugin, attribute)
        if opts is None:
            continue
        forwarder = _forwarder(name, getattr(plugin, attribute))
        setattr(forwarder, f"{PROJECT_NAME}_impl", dict(opts))
        setattr(forwarders, attribute, forwarder)
    return forwarders


def _answerer(notes: list[_Note], answer: Any) -> str | None:
    """The plugin whose implementation returned ``answer`` first (a wrapper that replaced
    the answer is the one that returned it)."""
    return next((n.plugin for n in notes if n.value is answer), None)


class _HookFailed(Exception):
    def __init__(self, hook: str, plugin: str | None, error: Exception) -> None:
        super().__init__(f"{hook}: {type(error).__name__}: {error}")
        self.hook, self.plugin, self.error = hook, plugin, error

    def plugin_error(self) -> PluginError:
        who = f"Plugin '{self.plugin}'" if self.plugin else "Một plugin"
        return PluginError(f"{who} gặp lỗi khi trả lời {self.hook}: "
                           f"{type(self.error).__name__}: {self.error}")


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
        # Plugins that are part of the core (core.data_plans): asked like the others, not
        # listed among the installed plugins.
        self.builtins: dict[str, PluginRecord] = {}
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
            self.pm.register(_attributed(self.pm, module, name), name=name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"Plugin '{name}' ({source}) is invalid: {exc}") from exc
        except ValueError as exc:  # pluggy: the name or the object is already registered
            raise PluginError(f"Plugin '{name}' ({source}) is already registered: {exc}") from exc
        record = PluginRecord(name, version, source, module=module)
        self.records[name] = record
        return record

    def register_builtin(self, plugin: Any, name: str, version: str) -> None:
        """Register a plugin that is part of the core (e.g. the stored plans)."""
        if name in self.disabled:
            return
        self.pm.register(_attributed(self.pm, plugin, name), name=name)
        self.builtins[name] = PluginRecord(name, version, "core", module=plugin)

    def record(self, name: str) -> PluginRecord | None:
        """The record of a plugin, installed or built in."""
        return self.records.get(name) or self.builtins.get(name)

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
    def _call(self, hook_name: str, caller: pluggy.HookCaller,
              kwargs: dict[str, Any]) -> tuple[Any, list[_Note]]:
        """One pluggy call, with the notes of who answered; ``_HookFailed`` names who raised."""
        with _noting() as notes:
            try:
                return caller(**kwargs), notes
            except Exception as exc:
                plugin = next((n.plugin for n in notes if n.error is exc), None)
                raise _HookFailed(hook_name, plugin, exc) from exc

    def _failed(self, failure: _HookFailed) -> PluginError:
        if failure.plugin is not None:
            self.mark_failed(failure.plugin, str(failure))
        return failure.plugin_error()

    def first_answer(self, hook_name: str, **kwargs: Any) -> tuple[Any, str | None]:
        """Call a firstresult hook (``pm.hook.<name>``) and say which plugin answered.
        A plugin that raises is marked failed and the error becomes a ``PluginError``
        naming it."""
        try:
            answer, notes = self._call(hook_name, getattr(self.pm.hook, hook_name), kwargs)
        except _HookFailed as failure:
            raise self._failed(failure) from failure.error
        return answer, (_answerer(notes, answer) if answer is not None else None)

    def all_answers(self, hook_name: str, **kwargs: Any) -> list[tuple[Any, str | None]]:
        """Call a collecting hook (``pm.hook.<name>``): every answer that is not None, in
        pluggy's order (most specific first: tryfirst, plain, trylast), with the plugin that
        gave it (an answer a wrapper added is the wrapper's)."""
        try:
            answers, notes = self._call(hook_name, getattr(self.pm.hook, hook_name), kwargs)
        except _HookFailed as failure:
            raise self._failed(failure) from failure.error
        wrapped = _answerer(notes, answers)
        return [(answer, _answerer(notes, answer) or wrapped) for answer in answers]

    def collect_blocs(self) -> dict[str, tuple[BlocInfo, str]]:
        """Every bloc any loaded plugin supplies, by code, with the plugin's name.

        A plugin whose ``thidua_register_blocs`` raises, or answers something that is not a
        list of ``BlocInfo``, is marked failed and its blocs are skipped; the others still
        answer. Pluggy stops a call at the first exception, so after one the hook is called
        again without that plugin (``pm.subset_hook_caller``): at most one more call per
        failing plugin, none when all answer."""
        hook_name = "thidua_register_blocs"
        skipped: set[str] = set()
        while True:
            caller = self.pm.subset_hook_caller(
                hook_name, [self.pm.get_plugin(n) for n in skipped if self.pm.get_plugin(n)])
            try:
                answers, notes = self._call(hook_name, caller, {})
            except _HookFailed as failure:
                if failure.plugin is None:  # not one plugin's error: nothing to leave out
                    answers, notes = [], []
                    break
                self.mark_failed(failure.plugin, str(failure))
                skipped.add(failure.plugin)
                continue
            break
        for record in self.records.values():
            record.blocs = []
        found: dict[str, tuple[BlocInfo, str]] = {}
        wrapped = _answerer(notes, answers)
        for answer in answers:
            plugin = _answerer(notes, answer) or wrapped or "?"
            if not isinstance(answer, list | tuple) \
                    or not all(isinstance(b, BlocInfo) for b in answer):
                self.mark_failed(plugin, f"{hook_name}: must return a list of BlocInfo")
                continue
            record = self.records.get(plugin)
            if record is not None:
                record.blocs = list(answer)
            for bloc in answer:
                found.setdefault(bloc.code, (bloc, plugin))
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
    # The stored plans (trylast), registered first: pluggy asks the trylast implementations
    # in the order they were registered, so a stored plan's voting parameters come before a
    # province-wide plugin's; every plain (bloc) implementation is asked before both.
    from core import data_plans

    host.register_builtin(data_plans.DataPlans(), data_plans.NAME, data_plans.__version__)
    host.load_directory(Path(config["THIDUA_PLUGINS_DIR"]))
    if config.get("THIDUA_LOAD_ENTRY_POINTS", True):
        host.load_entry_points()
    host.check()
    return host
