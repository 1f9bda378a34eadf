"""Helpers for the yearly-cycle tests: moving the frozen clock and calling the API as a user."""

from __future__ import annotations

from datetime import datetime

from core.config import TIMEZONE
from tests.support import api_token, bearer

BASE = "/api/v1/campaigns/khoi-8/2021"


def at(app, *args: int) -> None:
    """Freeze the application clock at a local (Asia/Ho_Chi_Minh) moment."""
    app.config["THIDUA_NOW"] = datetime(*args, tzinfo=TIMEZONE)


class Api:
    """A signed-in API client: ``api("tttt.canbo").put(path, json=...)``."""

    def __init__(self, client, username: str) -> None:
        self.client = client
        self.headers = bearer(api_token(client, username))

    def get(self, path: str, **kw):
        return self.client.get(BASE + path, headers=self.headers, **kw)

    def put(self, path: str, **kw):
        return self.client.put(BASE + path, headers=self.headers, **kw)

    def post(self, path: str, **kw):
        return self.client.post(BASE + path, headers=self.headers, **kw)


def item_codes(client, headers) -> list[str]:
    body = client.get(BASE, headers=headers).get_json()
    return [c["code"] for g in body["criteria"] if g["kind"] == "item" for c in g["children"]]


def full_registration(codes: list[str]) -> list[dict]:
    items = [{"criterion": c, "target": f"Chỉ tiêu {c}: hoàn thành 100% kế hoạch"} for c in codes]
    items[-1] = {"criterion": codes[-1], "not_applicable": True,
                 "reason": "Không thuộc lĩnh vực của đơn vị"}
    return items
