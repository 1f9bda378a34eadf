"""A plugin with a misspelled hook (``thidua_critera``): ``check_pending`` must stop start-up."""

from core.plugin_api import hookimpl

__version__ = "0.1"


@hookimpl
def thidua_critera(bloc: str, year: int):
    return None
