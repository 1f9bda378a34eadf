"""A test plugin supplying N blocs that all use Khối 8's 2021 plan (dashboard query tests)."""

import plugins.khoi8 as khoi8
from core.plugin_api import BlocInfo, hookimpl


class ManyBlocs:
    """A test plugin supplying N blocs that all use Khối 8's 2021 plan."""

    def __init__(self, count: int) -> None:
        self.codes = [f"khoi-t{i:02d}" for i in range(count)]

    @hookimpl
    def thidua_register_blocs(self):
        return [BlocInfo(code=c, name=f"Khối thử {c}", years=(2021,)) for c in self.codes]

    @hookimpl
    def thidua_criteria(self, bloc, year):
        return khoi8.criteria_2021() if bloc in self.codes else None

    @hookimpl
    def thidua_phase_calendar(self, bloc, year):
        return khoi8.calendar_2021() if bloc in self.codes else None

    @hookimpl
    def thidua_voting_procedure(self, bloc, year):
        return khoi8.voting_2021() if bloc in self.codes else None
