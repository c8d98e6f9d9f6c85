"""Project Markdown uploads: upload, list, download and delete, and who may do each.

Follows GitLab 17.x: `lib/api/markdown_uploads.rb` (POST needs only the project, as
`user_project` finds it: `:read_project`; GET by secret and file name `authorize! :read_upload`;
list, GET by id and both DELETEs `authorize! :admin_upload` / `:destroy_upload`), whose
abilities `app/policies/project_policy.rb` gives: `upload_file` and `read_upload` with
`guest_access` (and `read_upload` with `public_access`), `admin_upload` and `destroy_upload` to
`maintainer`. The docs page "Markdown uploads API" (doc/api/project_markdown_uploads.md) says
the same: list, download by ID and both deletes need at least Maintainer; download by secret and
file name (17.4+) at least Guest. The answer's shape: `lib/api/entities/project_upload.rb`,
`app/uploaders/file_uploader.rb` (`markdown_name`, `markdown_link`, `secure_url`); names as
CarrierWave's `SanitizedFile#sanitize` stores them (after Workhorse's `filepath.Base`); the size
limit is Workhorse's 413 (`internal/upload/rewrite.go`, `destination.ErrEntityTooLarge`) at the
instance's `max_attachment_size`. spec/requests/api/markdown_uploads_spec.rb pins the statuses
(403 for a Guest on list, download by id and deletes; 404 for a user without access; the
Content-Disposition of a download).
"""

from __future__ import annotations

import re
from typing import Any

import gitlab
import pytest
import requests

from gitlab_emulator.testing import running_emulator

pytestmark = pytest.mark.contract

SECRET_URL = re.compile(r"^/uploads/(?P<secret>[0-9a-f]{32})/(?P<name>[^/]+)$")


def _api(target: Any, project: Any, path: str = "") -> str:
    return f"{target.url}/api/v4/projects/{project.id}/uploads{path}"


def _get(target: Any, project: Any, path: str, token: str | None) -> requests.Response:
    headers = {"PRIVATE-TOKEN": token} if token else {}
    return requests.get(_api(target, project, path), headers=headers, timeout=10)


def _delete(target: Any, project: Any, path: str, token: str | None) -> requests.Response:
    headers = {"PRIVATE-TOKEN": token} if token else {}
    return requests.delete(_api(target, project, path), headers=headers, timeout=10)


def _secret_path(answer: dict[str, Any]) -> str:
    found = SECRET_URL.match(answer["url"])
    assert found, answer["url"]
    return f"/{found['secret']}/{found['name']}"


def test_an_upload_answers_201_with_its_id_alt_url_full_path_and_markdown(project, tag):
    answer = project.upload(f"SoW-{tag}.docx", filedata=b"PK\x03\x04 a document")
    found = SECRET_URL.match(answer["url"])
    assert found and found["name"] == f"SoW-{tag}.docx"
    assert isinstance(answer["id"], int)
    assert answer["alt"] == f"SoW-{tag}.docx"
    assert (
        answer["full_path"] == f"/-/project/{project.id}/uploads/{found['secret']}/SoW-{tag}.docx"
    )
    assert answer["markdown"] == f"[SoW-{tag}.docx]({answer['url']})"


def test_an_image_is_linked_as_an_image_named_without_its_extension(project, tag):
    answer = project.upload(f"chart-{tag}.png", filedata=b"\x89PNG\r\n\x1a\n")
    assert answer["alt"] == f"chart-{tag}"
    assert answer["markdown"] == f"![chart-{tag}]({answer['url']})"


def test_two_uploads_of_one_name_get_two_secrets(project, tag):
    first = project.upload(f"same-{tag}.docx", filedata=b"one")
    second = project.upload(f"same-{tag}.docx", filedata=b"two")
    assert first["id"] != second["id"] and first["url"] != second["url"]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../x.docx", "x.docx"),  # the base name only: no way out of the upload's folder
        ("a b<c>.docx", "a_b_c_.docx"),  # outside [[:word:]].-+ becomes _
    ],
)
def test_a_hostile_file_name_is_stored_sanitised_and_downloads_as_sent(
    target, project, tag, sent, stored
):
    answer = project.upload(sent, filedata=f"bytes {tag}".encode())
    assert SECRET_URL.match(answer["url"])["name"] == stored
    assert answer["alt"] == stored and answer["markdown"] == f"[{stored}]({answer['url']})"
    got = _get(target, project, _secret_path(answer), target.token)
    assert got.status_code == 200 and got.content == f"bytes {tag}".encode()


def test_the_maintainer_lists_uploads_newest_first_with_size_name_and_uploader(
    target, project, gl, tag
):
    older = project.upload(f"older-{tag}.docx", filedata=b"12345")
    newer = project.upload(f"newer-{tag}.docx", filedata=b"1234567")
    listed = gl.http_list(f"/projects/{project.id}/uploads", get_all=True)
    mine = [u for u in listed if u["id"] in (older["id"], newer["id"])]
    assert [u["id"] for u in mine] == [newer["id"], older["id"]]
    assert (mine[0]["size"], mine[0]["filename"]) == (7, f"newer-{tag}.docx")
    gl.auth()
    assert gl.user is not None and mine[0]["uploaded_by"]["username"] == gl.user.username
    assert set(mine[0]) == {"id", "size", "filename", "created_at", "uploaded_by"}


def test_the_list_is_paginated(target, project, tag):
    for n in range(3):
        project.upload(f"page-{n}-{tag}.txt", filedata=b"x")
    answer = _get(target, project, "?per_page=2", target.token)
    assert answer.status_code == 200 and len(answer.json()) == 2
    assert answer.headers["X-Per-Page"] == "2" and answer.headers["X-Next-Page"] == "2"
    assert 'rel="next"' in answer.headers["Link"]


def test_the_maintainer_downloads_by_id_as_an_attachment(target, project, tag):
    answer = project.upload(f"by-id-{tag}.docx", filedata=b"\x00\x01binary\xff")
    got = _get(target, project, f"/{answer['id']}", target.token)
    assert got.status_code == 200 and got.content == b"\x00\x01binary\xff"
    assert got.headers["Content-Disposition"] == (
        f"attachment; filename=\"by-id-{tag}.docx\"; filename*=UTF-8''by-id-{tag}.docx"
    )


def test_a_guest_uploads_and_downloads_by_secret_and_file_name(target, project, guest, tag):
    # By id: python-gitlab's `upload` formats its path with the raw attributes, so a lazy
    # project named by its path would post to /projects/ps/ps-plan/uploads.
    theirs = guest.projects.get(project.id, lazy=True)
    answer = theirs.upload(f"guest-{tag}.docx", filedata=b"from a guest")
    assert SECRET_URL.match(answer["url"])
    got = _get(target, project, _secret_path(answer), target.guest_token)
    assert got.status_code == 200 and got.content == b"from a guest"


def test_a_guest_may_not_list_download_by_id_or_delete(target, project, tag):
    if target.guest_token is None:
        pytest.skip("set GITLAB_GUEST_TOKEN (a Guest of the test project) for permission checks")
    answer = project.upload(f"kept-{tag}.docx", filedata=b"kept")
    by_id, by_secret = f"/{answer['id']}", _secret_path(answer)
    for refused in (
        _get(target, project, "", target.guest_token),
        _get(target, project, by_id, target.guest_token),
        _delete(target, project, by_id, target.guest_token),
        _delete(target, project, by_secret, target.guest_token),
    ):
        assert refused.status_code == 403 and refused.json() == {"message": "403 Forbidden"}
    assert _get(target, project, by_secret, target.token).content == b"kept"


ROLES = {"Guest": 10, "Reporter": 20, "Developer": 30, "Maintainer": 40}


@pytest.fixture(scope="module")
def roles() -> Any:
    """Emulator-only: one member of a private project at each role (the contract seed's users
    inherit higher roles from its group)."""
    seed = {
        "users": [{"username": r.lower(), "token": f"{r.lower()}-token"} for r in ROLES],
        "projects": [
            {
                "path": "g/p",
                "members": [{"username": r.lower(), "access_level": n} for r, n in ROLES.items()],
            }
        ],
    }
    with running_emulator(seed) as emu:
        yield emu


@pytest.mark.parametrize("role", ["Guest", "Reporter", "Developer"])
def test_below_maintainer_may_upload_and_download_by_secret_but_not_list_get_by_id_or_delete(
    emulator, roles, role
):
    token = f"{role.lower()}-token"
    theirs = gitlab.Gitlab(roles.url, private_token=token).projects.get("g/p")
    answer = theirs.upload(f"{role}.docx", filedata=role.encode())
    uploads = f"{roles.url}/api/v4/projects/{theirs.id}/uploads"
    by_id, by_secret = f"{uploads}/{answer['id']}", f"{uploads}{_secret_path(answer)}"
    auth = {"PRIVATE-TOKEN": token}
    assert requests.get(by_secret, headers=auth, timeout=10).content == role.encode()
    for refused in (
        requests.get(uploads, headers=auth, timeout=10),
        requests.get(by_id, headers=auth, timeout=10),
        requests.delete(by_id, headers=auth, timeout=10),
        requests.delete(by_secret, headers=auth, timeout=10),
    ):
        assert (refused.status_code, refused.json()) == (403, {"message": "403 Forbidden"}), role
    maintainer = {"PRIVATE-TOKEN": "maintainer-token"}
    assert requests.get(by_id, headers=maintainer, timeout=10).content == role.encode()
    listed = requests.get(uploads, headers=maintainer, timeout=10).json()
    assert answer["id"] in [u["id"] for u in listed]
    assert requests.delete(by_id, headers=maintainer, timeout=10).status_code == 204


def test_someone_without_access_to_a_private_project_gets_404(emulator, target, project, tag):
    answer = project.upload(f"private-{tag}.docx", filedata=b"private")
    outsider = target.client("outsider-token").projects.get(project.id, lazy=True)
    with pytest.raises(gitlab.GitlabUploadError) as caught:
        outsider.upload("x.docx", filedata=b"x")
    assert caught.value.response_code == 404
    for path in ("", f"/{answer['id']}", _secret_path(answer)):
        got = _get(target, project, path, "outsider-token")
        assert got.status_code == 404 and got.json() == {"message": "404 Project Not Found"}


def test_an_anonymous_upload_is_401(target, project):
    answer = requests.post(_api(target, project), files={"file": ("x.docx", b"x")}, timeout=10)
    assert answer.status_code == 401


def test_an_upload_without_a_file_is_400(target, project):
    answer = requests.post(
        _api(target, project),
        headers={"PRIVATE-TOKEN": target.token},
        data={"other": "x"},
        timeout=10,
    )
    assert answer.status_code == 400 and answer.json() == {"error": "file is missing"}


def test_unknown_uploads_are_404(target, project, tag):
    answer = project.upload(f"known-{tag}.docx", filedata=b"k")
    secret = SECRET_URL.match(answer["url"])["secret"]
    assert _get(target, project, "/999999999", target.token).status_code == 404
    assert _get(target, project, f"/{'0' * 32}/known-{tag}.docx", target.token).status_code == 404
    assert _get(target, project, f"/{secret}/other-{tag}.docx", target.token).status_code == 404
    assert _delete(target, project, "/999999999", target.token).status_code == 404


def test_deleting_by_an_unknown_secret_or_file_name_is_400(target, project, tag):
    """`find_by_secret_and_filename` gives nil and `Uploads::DestroyService` an error, which
    the DELETE route answers with `bad_request!` (app/services/uploads/destroy_service.rb)."""
    answer = project.upload(f"kept-{tag}.docx", filedata=b"k")
    secret = SECRET_URL.match(answer["url"])["secret"]
    for path in (f"/{'0' * 32}/kept-{tag}.docx", f"/{secret}/other-{tag}.docx"):
        refused = _delete(target, project, path, target.token)
        assert refused.status_code == 400
        assert refused.json() == {
            "message": "400 Bad request - The resource that you are attempting to access does "
            "not exist or you don't have permission to perform this action."
        }
    assert _get(target, project, _secret_path(answer), target.token).content == b"k"


def test_the_maintainer_deletes_by_id_and_by_secret_with_204(target, project, tag):
    one = project.upload(f"one-{tag}.docx", filedata=b"1")
    two = project.upload(f"two-{tag}.docx", filedata=b"2")
    gone_one = _delete(target, project, f"/{one['id']}", target.token)
    gone_two = _delete(target, project, _secret_path(two), target.token)
    assert (gone_one.status_code, gone_one.content) == (204, b"")
    assert (gone_two.status_code, gone_two.content) == (204, b"")
    assert _get(target, project, f"/{one['id']}", target.token).status_code == 404
    assert _get(target, project, _secret_path(two), target.token).status_code == 404


def test_a_file_above_max_attachment_size_is_413_and_not_stored(emulator):
    """Emulator-only: lowers the instance's limit to 1 MB (GitLab's default is 100 MB)."""
    seed = {
        "max_attachment_size": 1,
        "users": [{"username": "m", "token": "m-token"}],
        "projects": [{"path": "g/p", "members": [{"username": "m", "access_level": 40}]}],
    }
    with running_emulator(seed) as emu:
        gl = gitlab.Gitlab(emu.url, private_token="m-token")
        p = gl.projects.get("g/p")
        assert "id" in p.upload("at-limit.bin", filedata=b"x" * 1024 * 1024)
        with pytest.raises(gitlab.GitlabUploadError) as caught:
            p.upload("over.bin", filedata=b"x" * (1024 * 1024 + 1))
        assert caught.value.response_code == 413
        raw = requests.post(
            f"{emu.url}/api/v4/projects/{p.id}/uploads",
            headers={"PRIVATE-TOKEN": "m-token"},
            files={"file": ("over.bin", b"x" * (1024 * 1024 + 1))},
            timeout=10,
        )
        assert raw.status_code == 413 and raw.text == "Request Entity Too Large\n"
        listed = gl.http_list(f"/projects/{p.id}/uploads", get_all=True)
        assert [u["filename"] for u in listed] == ["at-limit.bin"]
