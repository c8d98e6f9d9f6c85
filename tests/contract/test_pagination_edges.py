"""Pagination at its edges: past the last page, `per_page` over 100, and pages cut before
the notes a caller may not read are taken out.

Follows GitLab's source `lib/gitlab/pagination/offset_pagination.rb` (Kaminari's `prev_page`
is nil when out of range; `page_href` rebuilds links from the params as requested) and
`lib/api/notes.rb` ("the current page can have less elements than :per_page": `paginate`,
then `readable_by?`).
"""


def raw(gl, path):
    return gl.session.get(
        f"{gl.api_url}{path}", headers={"PRIVATE-TOKEN": gl.private_token}, timeout=10
    )


def test_a_page_past_the_end_has_no_previous_page(gl, project, new_issue):
    made = [new_issue().iid for _ in range(3)]
    query = "&".join(f"iids[]={i}" for i in made)
    answer = raw(gl, f"/projects/{project.id}/issues?{query}&per_page=2&page=5")
    assert answer.json() == []
    assert (answer.headers["x-page"], answer.headers["x-prev-page"]) == ("5", "")
    assert answer.headers["x-next-page"] == ""
    assert 'rel="prev"' not in answer.headers["link"]
    assert 'rel="first"' in answer.headers["link"] and 'rel="last"' in answer.headers["link"]


def test_the_last_page_still_has_its_previous_page(gl, project, new_issue):
    made = [new_issue().iid for _ in range(3)]
    query = "&".join(f"iids[]={i}" for i in made)
    answer = raw(gl, f"/projects/{project.id}/issues?{query}&per_page=2&page=2")
    assert answer.headers["x-prev-page"] == "1" and 'rel="prev"' in answer.headers["link"]


def test_links_keep_the_requested_per_page_while_the_page_holds_100(gl, project):
    answer = raw(gl, f"/projects/{project.id}/issues?per_page=500")
    assert answer.headers["x-per-page"] == "100"
    first = answer.links["first"]["url"]
    assert "per_page=500" in first and "per_page=100" not in first


def test_notes_are_paged_before_hidden_ones_are_taken_out(target, new_issue, guest):
    issue = new_issue()
    issue.notes.create({"body": "internal one", "internal": True})
    issue.notes.create({"body": "internal two", "internal": True})
    issue.notes.create({"body": "public"})
    path = f"/projects/{issue.project_id}/issues/{issue.iid}/notes?sort=asc&per_page=2"
    first = guest.session.get(
        f"{guest.api_url}{path}&page=1", headers={"PRIVATE-TOKEN": target.guest_token}, timeout=10
    )
    assert first.json() == []  # two notes on the page, both hidden from a Guest
    assert (first.headers["x-total"], first.headers["x-next-page"]) == ("3", "2")
    second = guest.session.get(
        f"{guest.api_url}{path}&page=2", headers={"PRIVATE-TOKEN": target.guest_token}, timeout=10
    )
    assert [n["body"] for n in second.json()] == ["public"]
