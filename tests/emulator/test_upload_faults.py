"""The write faults apply to uploads as to every other write: with `drop_after_write_rate` the
upload is stored and its answer never arrives."""

import gitlab
import pytest
import requests

SEED = {
    "users": [{"username": "m", "token": "m-token"}],
    "projects": [{"path": "g/p", "members": [{"username": "m", "access_level": 40}]}],
}


def test_an_upload_whose_answer_is_dropped_is_stored_all_the_same(gitlab_emulator):
    emu = gitlab_emulator(SEED)
    gl = gitlab.Gitlab(emu.url, private_token="m-token", retry_transient_errors=False)
    project = gl.projects.get("g/p")
    emu.set_faults(drop_after_write_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        project.upload("lost.docx", filedata=b"the document")
    emu.set_faults(drop_after_write_rate=0.0)
    listed = gl.http_list(f"/projects/{project.id}/uploads", get_all=True)
    assert [(u["filename"], u["size"]) for u in listed] == [("lost.docx", 12)]
    assert gl.http_get(f"/projects/{project.id}/uploads/{listed[0]['id']}", raw=True).content == (
        b"the document"
    )
