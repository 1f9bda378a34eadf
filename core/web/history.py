"""History across years: a bloc's campaigns (leader, deputy, members, awards, the top units'
verified totals) and a unit's verified totals, ranks and awards, each with a Chart.js chart
(served from ``static/vendor/chartjs``) and the same numbers as a table.

Thin callers of ``core.services.history``. Any signed-in user reads them.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from core.services import accounts, campaigns
from core.services import history as history_service

bp = Blueprint("history", __name__, url_prefix="/history")

# How many units the bloc chart draws (the table lists every unit of the bloc).
TOP_UNITS = 5
CAMPAIGN_STATUS: dict[str, Any] = {
    "open": _l("Đang diễn ra"),
    "closed": _l("Đã kết thúc"),
    "archived": _l("Đã lưu trữ"),
}
ELECTED: dict[str, Any] = {
    "leader": _l("Được bầu Khối trưởng năm sau"),
    "deputy": _l("Được bầu Khối phó năm sau"),
}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every history page needs a signed-in user (anonymous: to the sign-in page)."""
    return None


@bp.get("/")
def index():
    """The blocs that have campaigns, and every unit: links to their history."""
    blocs: dict[str, Any] = {}
    for campaign in campaigns.list_campaigns():
        entry = blocs.setdefault(campaign.bloc.code, {"bloc": campaign.bloc, "years": []})
        entry["years"].append(campaign.year)
    return render_template(
        "history/index.html", blocs=sorted(blocs.values(), key=lambda b: b["bloc"].name),
        units=accounts.list_units(), my_unit=current_user.unit_id)


def bloc_chart(data: dict[str, Any]) -> dict[str, Any]:
    """The chart's series: the years, and for each of the top units (by the latest year's
    verified total) its total in each year (None where it was not a member). Also the full
    table: every unit that was ever a member, one row per unit, one column per year."""
    years = [y["year"] for y in data["years"]]
    totals: dict[str, dict[int, float]] = {}
    names: dict[str, str] = {}
    for year in data["years"]:
        for row in year["ranking"]:
            totals.setdefault(row["unit"], {})[year["year"]] = row["verified_total"]
            names[row["unit"]] = row["name"]
    latest = next((y for y in reversed(data["years"]) if y["ranking"]), None)
    order = [r["unit"] for r in latest["ranking"]] if latest else []
    order += sorted((u for u in totals if u not in order), key=lambda u: names[u])
    now = data.get("now", {})
    rows = [{"unit": u, "name": names[u], "totals": [totals[u].get(y) for y in years],
             "now": now.get(u)} for u in order]
    return {"years": years, "rows": rows,
            "series": [{"label": r["name"], "data": r["totals"]} for r in rows[:TOP_UNITS]]}


@bp.get("/blocs/<bloc>")
def bloc(bloc: str):
    data = history_service.bloc_history(bloc, actor=current_user)
    return render_template("history/bloc.html", data=data, chart=bloc_chart(data),
                           top=TOP_UNITS, campaign_status=CAMPAIGN_STATUS)


def unit_chart(data: dict[str, Any]) -> dict[str, Any]:
    """The unit's totals by year (series 0), the maximum (series 1), then one series per
    unit whose history it carries (its lineage: e.g. Sở TT&TT's 2021 under Sở KH&CN)."""
    years = sorted({y["year"] for y in data["years"]})

    def by_year(rows: list[dict[str, Any]], key: str) -> list[Any]:
        found = {y["year"]: y[key] for y in rows}
        return [found.get(year) for year in years]

    own = [y for y in data["years"] if y.get("as_unit", data["unit"]) == data["unit"]]
    maxima: dict[int, float] = {}
    for y in data["years"]:
        maxima[y["year"]] = max(maxima.get(y["year"], 0), y["max_total"])
    series = [{"label": str(_l("Tổng điểm thẩm định")), "data": by_year(own, "verified_total")},
              {"label": str(_l("Điểm tối đa")), "data": [maxima[year] for year in years]}]
    for before in data.get("predecessors", []):
        rows = [y for y in data["years"] if y.get("as_unit") == before["unit"]]
        if rows:
            series.append({"label": str(_l("%(name)s (trước khi sáp nhập, chia tách)",
                                           name=rows[-1]["as_name"])),
                           "data": by_year(rows, "verified_total")})
    return {"years": years, "series": series}


@bp.get("/units/<unit>")
def unit(unit: str):
    data = history_service.unit_history(unit, actor=current_user)
    return render_template("history/unit.html", data=data, chart=unit_chart(data),
                           elected=ELECTED)
