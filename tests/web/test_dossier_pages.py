"""The dossier on the documents page and through the API: the plan and the covenant exist from
the start; the list of proposed units and the achievement reports only once a published poll
proposes units, and only for those units; the Cờ thi đua proposal's dossier can be issued."""

from __future__ import annotations

from tests.support import api_token, bearer, login

PAGE = "/campaigns/khoi-8/2021/documents/"
API = "/api/v1/campaigns/khoi-8/2021/documents"


def test_before_the_vote_only_the_plan_and_the_covenant(client, demo):
    login(client, "yte.canbo")
    page = client.get(PAGE).get_data(as_text=True)
    assert f"{PAGE}ke-hoach.pdf" in page and f"{PAGE}giao-uoc.pdf" in page
    assert "danh-sach-de-nghi" not in page and "bao-cao-thanh-tich" not in page
    plan = client.get(f"{PAGE}ke-hoach.pdf")
    assert plan.status_code == 200 and plan.data.startswith(b"%PDF")
    assert client.get(f"{PAGE}danh-sach-de-nghi.pdf").status_code == 404
    assert client.get(f"{PAGE}bao-cao-thanh-tich-so-yte.pdf").status_code == 404


def test_after_the_vote_the_proposed_units_dossier(client, played_year):
    login(client, "yte.canbo")
    page = client.get(PAGE).get_data(as_text=True)
    assert f"{PAGE}danh-sach-de-nghi.pdf" in page
    for code in ("so-vhttdl", "so-yte", "so-khcn"):
        assert f"{PAGE}bao-cao-thanh-tich-{code}.pdf" in page, code
        response = client.get(f"{PAGE}bao-cao-thanh-tich-{code}.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF"), code
    for code in ("so-tuphap", "so-tttt", "so-gddt"):
        assert f"bao-cao-thanh-tich-{code}" not in page, code
        assert client.get(f"{PAGE}bao-cao-thanh-tich-{code}.pdf").status_code == 404, code
    listing = client.get(API, headers=bearer(api_token(client, "yte.canbo"))).get_json()
    names = {row["name"] for row in listing}
    assert {"ke-hoach", "giao-uoc", "danh-sach-de-nghi", "bao-cao-thanh-tich-so-vhttdl",
            "bao-cao-thanh-tich-so-yte", "bao-cao-thanh-tich-so-khcn"} <= names
    assert not any(n.startswith("bao-cao-thanh-tich-so-tuphap") for n in names)


def test_the_flag_proposals_dossier_can_be_issued(client, played_year):
    """The list is issued by the vote's host (the leader), the achievement report by the
    proposed unit's head; each then carries its number."""
    leader = bearer(api_token(client, "tttt.thutruong"))
    issued = client.post(f"{API}/danh-sach-de-nghi/issue", headers=leader)
    assert issued.status_code == 201, issued.get_json()
    head = bearer(api_token(client, "vhttdl.thutruong"))
    report = client.post(f"{API}/bao-cao-thanh-tich-so-vhttdl/issue", headers=head)
    assert report.status_code == 201, report.get_json()
    listing = {row["name"]: row for row in client.get(API, headers=leader).get_json()}
    assert "/DS-" in listing["danh-sach-de-nghi"]["number"]
    assert "/BC-" in listing["bao-cao-thanh-tich-so-vhttdl"]["number"]
