"""Searching and exporting the activity log through the admin API (issue 5 §5, BR-UI-013)."""

from __future__ import annotations

# ruff: noqa: F811 (the fixtures imported from admin_fixtures are test arguments)
import json

from tests.integration.admin_fixtures import console  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import root  # noqa: F401 (fixture)
from tests.integration.admin_fixtures import sign_in  # noqa: F401 (fixture)


def _failed_logins(flows, user, count):
    for _ in range(count):
        assert flows.login(user["email"], "Wrong-password-9!").status_code == 200


def test_search_by_user_event_result_and_time(sign_in, flows, user, clock):
    from idp.extensions import utcnow

    _failed_logins(flows, user, 2)
    clock.tick(3600)
    middle = utcnow().isoformat()
    _failed_logins(flows, user, 1)
    root = sign_in("super_admin")  # after the clock moved: its token is fresh

    response = root.get(f"/audit?user_id={user['id']}&event=account:login:failure")
    assert response.status_code == 200
    events = response.get_json()["events"]
    assert len(events) == 3 and {e["result"] for e in events} == {"failure"}
    assert events[0]["id"] > events[-1]["id"]  # newest first

    recent = root.get("/audit", query_string={"user_id": user["id"], "since": middle,
                                              "event": "account:login:*"}).get_json()["events"]
    assert [e["event"] for e in recent] == ["account:login:failure"]
    older = root.get("/audit", query_string={"user_id": user["id"], "until": middle,
                                             "result": "failure"}).get_json()["events"]
    assert len([e for e in older if e["event"] == "account:login:failure"]) == 2


def test_search_pages_with_next_before(root, flows, user):
    _failed_logins(flows, user, 3)
    seen, before = [], None
    while True:
        query = {"user_id": user["id"], "limit": 2, **({"before": before} if before else {})}
        page = root.get("/audit", query_string=query).get_json()
        seen += [e["id"] for e in page["events"]]
        before = page["next_before"]
        if before is None:
            break
    everything = root.get("/audit", query_string={"user_id": user["id"]}).get_json()["events"]
    assert seen == [e["id"] for e in everything] and len(seen) >= 3


def test_export_streams_json_lines_oldest_first_and_is_recorded(root, flows, user):
    _failed_logins(flows, user, 2)
    response = root.get("/audit/export", query_string={"user_id": user["id"],
                                                       "event": "account:login:failure"})
    assert response.status_code == 200
    assert response.mimetype == "application/jsonl"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(rows) == 2 and rows[0]["id"] < rows[1]["id"]
    exported = root.get("/audit?event=admin:audit:exported").get_json()["events"]
    assert exported[0]["user_id"] == root.id and exported[0]["detail"]["via"] == "api"


def test_bad_filters_are_400_not_500(root):
    for query in ({"since": "yesterday"}, {"until": "2026-13-45"}, {"limit": "many"},
                  {"limit": "0"}, {"limit": "100000"}, {"before": "-4"},
                  {"user_id": "x" * 100}):
        response = root.get("/audit", query_string=query)
        assert response.status_code == 400, (query, response.status_code)
        assert response.get_json()["error"] == "invalid_request"
