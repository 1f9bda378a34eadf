"""GET /api/v1/openapi.json documents every route of the API."""

from core.api.openapi import _path


def test_every_route_is_documented(app, client):
    body = client.get("/api/v1/openapi.json").get_json()
    assert body["openapi"] == "3.0.3"
    assert body["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    documented = {(path, method) for path, ops in body["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        path, _params = _path(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)
    ballots = body["paths"]["/campaigns/{bloc}/{year}/polls/{poll}/ballots"]["post"]
    assert [p["name"] for p in ballots["parameters"]] == ["bloc", "year", "poll"]
    assert ballots["parameters"][1]["schema"] == {"type": "integer", "minimum": 0,
                                                  "maximum": 2**31 - 1}
    assert body["paths"]["/tokens"]["post"]["security"] == []
    operation_ids = [op["operationId"] for ops in body["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
