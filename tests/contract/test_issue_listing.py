"""Issue listings: filters, defaults and offset pagination headers (gitlab-api-facts §1.1, §5)."""

from datetime import datetime, timedelta

import gitlab
import pytest


@pytest.fixture
def labelled(project, tag, new_issue):
    """Four issues: a+b, a, none, b (closed)."""
    a, b = f"a-{tag}", f"b-{tag}"
    issues = [new_issue(labels=f"{a},{b}"), new_issue(labels=a), new_issue(), new_issue(labels=b)]
    project.issues.update(issues[3].iid, {"state_event": "close"})
    return a, b, issues


def iids(listing):
    return sorted(i.iid for i in listing)


def test_default_state_is_all(project, labelled, tag):
    _, b, issues = labelled
    found = project.issues.list(labels=b, get_all=True)
    assert iids(found) == sorted([issues[0].iid, issues[3].iid])


def test_labels_have_and_semantics(project, labelled):
    a, b, issues = labelled
    assert iids(project.issues.list(labels=[a, b], get_all=True)) == [issues[0].iid]


def test_unknown_label_returns_nothing(project, labelled, tag):
    a, _, _ = labelled
    assert project.issues.list(labels=[a, f"never-created-{tag}"], get_all=True) == []


def test_not_labels_excludes_any(project, labelled, tag):
    a, b, issues = labelled
    mine = {i.iid for i in issues}
    found = {
        i.iid
        for i in project.issues.list(
            search=f"contract {tag}", **{"not": {"labels": f"{a},{b}"}}, get_all=True
        )
    }
    assert found & mine == {issues[2].iid}


def test_none_and_any(project, labelled, tag):
    _, _, issues = labelled
    mine = {i.iid for i in issues}
    none = {
        i.iid for i in project.issues.list(labels="None", search=f"contract {tag}", get_all=True)
    } & mine
    anyl = {
        i.iid for i in project.issues.list(labels="Any", search=f"contract {tag}", get_all=True)
    } & mine
    assert none == {issues[2].iid}
    assert anyl == mine - {issues[2].iid}


def test_labels_come_sorted(project, tag, new_issue):
    issue = new_issue(labels=f"zulu-{tag},Alpha-{tag},mike-{tag}")
    assert project.issues.get(issue.iid).labels == sorted(
        [f"zulu-{tag}", f"Alpha-{tag}", f"mike-{tag}"]
    )


def test_iids_filter(project, new_issue):
    one, _, three = new_issue(), new_issue(), new_issue()
    assert iids(project.issues.list(iids=[one.iid, three.iid], get_all=True)) == [
        one.iid,
        three.iid,
    ]


def test_author_and_assignee_username(project, gl, new_issue):
    gl.auth()
    me = gl.user
    mine = new_issue(assignee_ids=[me.id])
    found = project.issues.list(
        author_username=me.username, assignee_username=me.username, iids=[mine.iid], get_all=True
    )
    assert iids(found) == [mine.iid]


def test_created_after_is_inclusive(project, new_issue):
    issue = new_issue()
    created = datetime.fromisoformat(issue.created_at.replace("Z", "+00:00"))
    assert iids(
        project.issues.list(iids=[issue.iid], created_after=issue.created_at, get_all=True)
    ) == [issue.iid]
    later = (created + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    assert project.issues.list(iids=[issue.iid], created_after=later, get_all=True) == []


def test_order_and_sort(project, new_issue, tag):
    made = [new_issue().iid for _ in range(3)]
    ascending = [
        i.iid
        for i in project.issues.list(iids=made, order_by="created_at", sort="asc", get_all=True)
    ]
    assert ascending == sorted(made)
    default = [i.iid for i in project.issues.list(iids=made, get_all=True)]
    assert default == sorted(made, reverse=True)


def test_pagination_headers(gl, project, new_issue):
    made = [new_issue().iid for _ in range(3)]
    query = "&".join(f"iids[]={i}" for i in made)
    response = gl.session.get(
        f"{gl.api_url}/projects/{project.id}/issues?{query}&per_page=2&page=1",
        headers={"PRIVATE-TOKEN": gl.private_token},
        timeout=10,
    )
    h = response.headers
    assert (h["x-page"], h["x-per-page"], h["x-next-page"], h["x-prev-page"]) == ("1", "2", "2", "")
    assert (h["x-total"], h["x-total-pages"]) == ("3", "2")
    assert 'rel="next"' in h["link"] and 'rel="first"' in h["link"] and 'rel="last"' in h["link"]
    assert 'rel="prev"' not in h["link"]
    next_url = response.links["next"]["url"]
    assert next_url.startswith(gl.api_url) and "page=2" in next_url
    last = gl.session.get(next_url, headers={"PRIVATE-TOKEN": gl.private_token}, timeout=10)
    assert len(last.json()) == 1 and last.headers["x-next-page"] == ""


def test_per_page_is_clamped_to_100(gl, project):
    response = gl.session.get(
        f"{gl.api_url}/projects/{project.id}/issues?per_page=500",
        headers={"PRIVATE-TOKEN": gl.private_token},
        timeout=10,
    )
    assert response.headers["x-per-page"] == "100"


def test_per_page_zero_is_refused(project):
    with pytest.raises(gitlab.GitlabListError) as caught:
        project.issues.list(per_page=0)
    assert caught.value.error_message == "per_page has a value not allowed"


def test_list_items_have_no_subscribed_key_but_single_get_does(project, new_issue):
    issue = new_issue()
    listed = project.issues.list(iids=[issue.iid])[0]
    assert "subscribed" not in listed.attributes
    assert "subscribed" in project.issues.get(issue.iid).attributes


def test_issue_shape(project, new_issue):
    issue = project.issues.get(new_issue(description="- [x] one\n- [ ] two").iid)
    a = issue.attributes
    for key in (
        "id",
        "iid",
        "project_id",
        "title",
        "description",
        "state",
        "created_at",
        "updated_at",
        "labels",
        "assignees",
        "author",
        "web_url",
        "references",
        "task_completion_status",
        "_links",
        "type",
        "issue_type",
        "user_notes_count",
        "time_stats",
    ):
        assert key in a, key
    assert a["type"] == "ISSUE" and a["issue_type"] == "issue"
    assert a["task_completion_status"] == {"count": 2, "completed_count": 1}
    assert a["references"]["short"] == f"#{issue.iid}"
    assert a["web_url"].endswith(f"/-/issues/{issue.iid}")
    assert a["created_at"].endswith("Z") and len(a["created_at"]) == len("2024-09-27T09:01:06.710Z")


def test_group_listing_includes_project_issues(gl, project, new_issue, target):
    issue = new_issue()
    group = gl.groups.get(target.project_path.rsplit("/", 1)[0])
    found = group.issues.list(iids=[issue.iid], get_all=True)
    assert any(i.id == issue.id for i in found)
    mine = next(i for i in found if i.id == issue.id)
    assert (
        mine.references["relative"].endswith(f"#{issue.iid}")
        and mine.references["relative"] != f"#{issue.iid}"
    )
