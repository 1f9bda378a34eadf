"""Test-only shortcuts that change no behaviour, only the cost of making an app per test.

Werkzeug compiles two small URL-builder functions for every rule of every new app (``ast`` +
``compile``): about 80 % of ``create_app``'s time with this app's ~115 rules, paid by each
test. The function depends only on the rule's parsed parts, the names of its defaults and
``append_unknown`` (the converters are looked up on the bound rule at call time), so the
same function is reused for the same rule in the next app.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_BUILDERS: dict[tuple, object] = {}


def cache_rule_builders() -> None:
    if getattr(Rule, "_thidua_cached", False) or not hasattr(Rule, "_compile_builder"):
        return
    compile_builder = Rule._compile_builder

    def cached(self: Rule, append_unknown: bool = True):
        defaults = self.defaults or {}
        trace = tuple(self._trace)
        if any(is_dynamic and data in defaults for is_dynamic, data in trace):
            # A default folded in as a constant through its converter: not cached.
            return compile_builder(self, append_unknown)
        key = (trace, tuple(str(k) for k in defaults), append_unknown)
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = _BUILDERS[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = cached
    Rule._thidua_cached = True
