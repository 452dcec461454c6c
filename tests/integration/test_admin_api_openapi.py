"""The admin API's OpenAPI 3.1 document (issue 5 §4): valid, served at
/api/admin/openapi.json, and describing exactly the routes the app registers."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

METHODS = {"get", "post", "put", "patch", "delete"}


def _registered(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/admin"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        operations |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return operations


def _described(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items()
            for method in item if method in METHODS}


def test_document_is_served_and_is_valid_openapi_3_1(client):
    response = client.get("/api/admin/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_registered_route_and_method_is_described_and_nothing_else(app, client):
    document = client.get("/api/admin/openapi.json").get_json()
    registered = _registered(app)
    assert len(registered) > 20
    assert registered - _described(document) == set(), "routes missing from the document"
    assert _described(document) - registered == set(), "described routes that do not exist"


def test_every_operation_but_the_document_names_its_permission(client):
    document = client.get("/api/admin/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            if path == "/api/admin/openapi.json":
                assert operation["security"] == []
            else:
                assert re.fullmatch(r"[a-z_]+:[a-z_]+", operation["x-permission"]), (path,
                                                                                      method)


def test_br_ui_012_every_described_operation_but_the_document_needs_a_token(app, client):
    """Without a token every admin route answers 401 before looking at anything else."""
    for path, method in _registered(app):
        if path == "/api/admin/openapi.json":
            continue
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        response = getattr(client, method)(concrete)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.get_json()["error"] in {"invalid_token", "invalid_request"}
