"""Authentication and GitLab's exact error statuses and bodies (gitlab-api-facts §6)."""

import gitlab
import pytest


def raw(client, method, path, **kwargs):
    """The raw response, through python-gitlab's own session and URL building."""
    return client.session.request(method, f"{client.api_url}{path}", timeout=10, **kwargs)


def test_current_user_is_the_token_owner(gl):
    gl.auth()
    assert gl.user.username
    assert gl.version()[0] not in ("unknown", None)


def test_bad_token_is_401_with_gitlabs_body(target):
    response = raw(target.client(), "GET", "/user", headers={"PRIVATE-TOKEN": "not-a-token"})
    assert response.status_code == 401
    assert response.json() == {"message": "401 Unauthorized"}


def test_write_without_token_is_401(target, project):
    response = raw(target.client(), "POST", f"/projects/{project.id}/issues", json={"title": "x"})
    assert response.status_code in (401, 404)  # 404 where the project is private to anonymous users
    if response.status_code == 401:
        assert response.json() == {"message": "401 Unauthorized"}


def test_notes_need_authentication_even_to_read(target, project, new_issue):
    issue = new_issue()
    response = raw(target.client(), "GET", f"/projects/{project.id}/issues/{issue.iid}/notes")
    assert response.status_code in (401, 404)


def test_unknown_project_is_404_project_not_found(gl):
    with pytest.raises(gitlab.GitlabGetError) as caught:
        gl.projects.get("no-such-namespace/no-such-project")
    assert caught.value.response_code == 404
    assert caught.value.error_message == "404 Project Not Found"


def test_missing_issue_is_lower_case_not_found(project):
    with pytest.raises(gitlab.GitlabGetError) as caught:
        project.issues.get(99_999_999)
    assert caught.value.error_message == "404 Not found"


def test_notes_of_missing_issue_is_404_issue_not_found(project):
    issue = project.issues.get(99_999_999, lazy=True)
    with pytest.raises(gitlab.GitlabListError) as caught:
        issue.notes.list()
    assert caught.value.error_message == "404 Issue Not Found"


def test_unknown_route_uses_the_error_key(gl):
    response = raw(gl, "GET", "/no/such/route", headers={"PRIVATE-TOKEN": gl.private_token})
    assert response.status_code == 404
    assert response.json() == {"error": "404 Not Found"}


def test_invalid_enum_is_400_with_grape_wording(project):
    with pytest.raises(gitlab.GitlabListError) as caught:
        project.issues.list(state="sideways")
    assert caught.value.response_code == 400
    assert caught.value.error_message == "state does not have a valid value"


def test_create_without_title_is_400(gl, project):
    with pytest.raises(
        gitlab.GitlabHttpError
    ) as caught:  # python-gitlab's create() checks this client-side
        gl.http_post(f"/projects/{project.id}/issues", post_data={"description": "no title"})
    assert caught.value.response_code == 400
    assert caught.value.error_message == "title is missing"


def test_title_too_long_is_a_validation_error(project):
    with pytest.raises(gitlab.GitlabCreateError) as caught:
        project.issues.create({"title": "x" * 256})
    assert caught.value.error_message == {"title": ["is too long (maximum is 255 characters)"]}


def test_update_without_any_field_is_400(project, new_issue):
    issue = new_issue()
    with pytest.raises(gitlab.GitlabUpdateError) as caught:
        project.issues.update(issue.iid, {"unknown_field": 1})
    assert caught.value.response_code == 400
    assert "at least one parameter must be provided" in caught.value.error_message


def test_single_project_get_shows_the_callers_access(gl, project, target):
    permissions = gl.projects.get(target.project_path).permissions
    levels = [
        (permissions.get(kind) or {}).get("access_level") or 0
        for kind in ("project_access", "group_access")
    ]
    assert max(levels) >= 30  # the contract token is Maintainer of its test project
