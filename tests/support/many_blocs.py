"""A test plugin supplying N blocs that all use Khối 8's 2021 plan, and the world of the
dashboard's constant-query test."""

import plugins.khoi8 as khoi8
from core.extensions import db
from core.models import Registration, Unit
from core.plugin_api import BlocInfo, hookimpl
from core.services import accounts, campaigns, clock


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


def build_blocs(app, blocs: int) -> ManyBlocs:
    """On an empty schema: an admin, a board user ("board", Song-Hau-mua-xuan-2021) and ``blocs``
    blocs of 12 units, each with its 2021 campaign and 6 registrations (one of them late).
    The plugin is registered as ``many-<blocs>``: unregister it when done."""
    admin = accounts.create_user("admin", "Quản trị", "Song-Hau-mua-xuan-2021", admin=True, actor=None)
    accounts.create_user("board", "Ban TĐKT", "Song-Hau-mua-xuan-2021", board=True, actor=None)
    plugin = ManyBlocs(blocs)
    app.extensions["thidua"].register(plugin, f"many-{blocs}")
    now = clock.now()
    for b, code in enumerate(plugin.codes):
        units = [Unit(code=f"u{b:02d}-{i:02d}", name=f"Đơn vị {b}-{i:02d}", short_name=f"U{i}",
                      created_at=now) for i in range(12)]
        db.session.add_all(units)
        db.session.commit()
        roles = ["leader", "deputy"] + ["member"] * 10
        campaign = campaigns.open_campaign(
            code, 2021, [campaigns.MemberSpec(u.code, r) for u, r in zip(units, roles, strict=True)],
            actor=admin)
        for unit in units[:6]:
            db.session.add(Registration(campaign_id=campaign.id, unit_id=unit.id,
                                        status="submitted", submitted_at=now, updated_at=now,
                                        late=unit is units[5], version=1))
        db.session.commit()
    return plugin
