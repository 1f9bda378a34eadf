"""The hook specifications, handed to pluggy (``PluginManager.add_hookspecs``).

They are written, each with its one-line docstring, in :mod:`core.plugin_api`, so that one
file states the whole plugin contract; this module only collects them for pluggy.
"""

from __future__ import annotations

from core.plugin_api import (  # noqa: F401 (re-exported for add_hookspecs)
    thidua_award_rules,
    thidua_criteria,
    thidua_document_templates,
    thidua_phase_calendar,
    thidua_register_blocs,
    thidua_voting_procedure,
)
