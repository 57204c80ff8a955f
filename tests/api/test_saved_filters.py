"""Saved filters (issue 22): GET/POST /saved-filters, DELETE /saved-filters/{id}, and the inbox and dossier pages'
"save this filter" form and links. Each officer sees and deletes only their own; the same name replaces; only
the list's filter parameters are kept; a bad filter is a 422 with a pointer and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.helpers import API, csrf_of, sign_in, sign_in_page
from tests.conftest import PHU_XUAN, VY_DA

SPECIALIST, LEADER = f"specialist.{VY_DA}", f"leader.{VY_DA}"


def _save(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"{API}/saved-filters", headers=headers, json={"page": "inbox", **body})


def test_an_officer_saves_replaces_lists_and_deletes_their_own_filters(client: Any) -> None:
    mine, theirs = sign_in(client, SPECIALIST), sign_in(client, LEADER)
    first = _save(client, mine, name="Gấp", query="?urgency=urgent&offset=50&procedure=")
    assert first.status_code == 201, first.get_json()
    assert first.get_json() | {"created_at": None} == {"id": first.get_json()["id"], "page": "inbox", "name": "Gấp",
                                                       "query": "urgency=urgent", "created_at": None}
    again = _save(client, mine, name="Gấp", query="urgency=overdue&sort=arrival")
    assert (again.status_code, again.get_json()["id"]) == (201, first.get_json()["id"])
    other_list = _save(client, mine, page="dossiers", name="Đã trả", query="status=returned&channel=online")
    assert other_list.status_code == 201

    listed = client.get(f"{API}/saved-filters", headers=mine).get_json()
    assert [(f["page"], f["name"], f["query"]) for f in listed] == [
        ("dossiers", "Đã trả", "status=returned&channel=online"), ("inbox", "Gấp", "urgency=overdue&sort=arrival")]
    assert [f["name"] for f in client.get(f"{API}/saved-filters?page=inbox", headers=mine).get_json()] == ["Gấp"]
    assert client.get(f"{API}/saved-filters", headers=theirs).get_json() == []

    filter_id = first.get_json()["id"]
    refused = client.delete(f"{API}/saved-filters/{filter_id}", headers=theirs)
    assert refused.status_code == 404 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert client.delete(f"{API}/saved-filters/{filter_id}", headers=mine).status_code == 204
    assert client.delete(f"{API}/saved-filters/{filter_id}", headers=mine).status_code == 404
    assert client.delete(f"{API}/saved-filters/99999999999", headers=mine).status_code == 404
    assert [f["name"] for f in client.get(f"{API}/saved-filters", headers=mine).get_json()] == ["Đã trả"]


@pytest.mark.parametrize(("body", "pointer"), [
    ({"page": "stats", "name": "Gấp"}, "/page"),
    ({"name": " "}, "/name"),
    ({"name": "x" * 61}, "/name"),
    ({"name": "Tên", "query": "q=Nguyen+Van+An"}, "/query"),
    ({"page": "dossiers", "name": "Gấp", "query": "urgency=urgent"}, "/query"),
    ({"name": "Tên", "query": "procedure=" + "1" * 500}, "/query"),
    ({"query": "status=ready"}, "/name"),
    ({"name": "Tên", "colour": "red"}, "/colour"),
])
def test_a_bad_filter_is_a_422_with_a_pointer_and_saves_nothing(client: Any, body: dict[str, Any],
                                                                pointer: str) -> None:
    headers = sign_in(client, SPECIALIST)
    response = _save(client, headers, **body)
    assert response.status_code == 422, response.get_json()
    assert pointer in {e["pointer"] for e in response.get_json()["errors"]}
    assert client.get(f"{API}/saved-filters", headers=headers).get_json() == []


def test_a_signed_out_caller_gets_401(client: Any) -> None:
    assert client.get(f"{API}/saved-filters").status_code == 401
    assert client.post(f"{API}/saved-filters", json={"page": "inbox", "name": "x"}).status_code == 401


def test_the_pages_save_a_filter_link_to_it_and_delete_it(client: Any) -> None:
    sign_in_page(client, f"reception.{PHU_XUAN}")
    page = client.get("/dossiers?status=returned&channel=online&offset=50").get_data(as_text=True)
    assert 'name="query" value="status=returned&amp;channel=online"' in page  # the filter, without paging
    saved = client.post("/saved-filters", data={"csrf_token": csrf_of(client, "/dossiers"), "page": "dossiers",
                                                "name": "Trực tuyến đã trả", "query": "status=returned&channel=online"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/dossiers?status=returned&channel=online"
    page = client.get("/dossiers").get_data(as_text=True)
    assert '<a href="?status=returned&amp;channel=online">Trực tuyến đã trả</a>' in page
    [stored] = client.get(f"{API}/saved-filters", headers=sign_in(client, f"reception.{PHU_XUAN}")).get_json()

    bad = client.post("/saved-filters", data={"csrf_token": csrf_of(client, "/inbox"), "page": "inbox",
                                              "name": "", "query": "urgency=urgent"}, follow_redirects=True)
    assert bad.status_code == 200 and "flash error" in bad.get_data(as_text=True)
    deleted = client.post(f"/saved-filters/{stored['id']}/delete",
                          data={"csrf_token": csrf_of(client, "/dossiers"), "page": "dossiers"})
    assert deleted.status_code == 302 and deleted.headers["Location"] == "/dossiers"
    assert "Trực tuyến đã trả" not in client.get("/dossiers").get_data(as_text=True)
