"""The SoW note's link to its Word document is built by the bot from the upload's `url`, never
GitLab's `markdown` pasted in: an answer is data read from GitLab (DESIGN: trust boundaries),
so one whose Markdown carried a line break, a quick action or a mention cannot put them in the
bot's note, and a `url` that is not `/uploads/<secret>/<file name>` is refused, not linked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from triage.gitlab.adapter import GitLabProblem
from triage.gitlab.records import Upload
from triage.planner.comments import document_placeholder
from triage.planner.context import document_context
from triage.planner.records import PlannedComment, PlannedDocument
from triage.preview import document_source
from triage.runner.apply import with_document

from support import snapshot, workspace

WS = workspace()
SECRET = "0123456789abcdef0123456789abcdef"
NAME = "Acme-Widgets-SoW-2026-01-12.docx"
KEY = "sow-draft/sow-draft.md.j2"
DAY = date(2026, 1, 12)
ACME = {
    "customer": "Acme Widgets",
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


class AnswersWith:
    """A GitLab whose uploads API answers `upload`."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload

    def upload_file(self, project: str, filename: str, content: bytes) -> Upload:
        assert filename == NAME and content.startswith(b"PK")
        return self.upload


def link_in_note(upload: Upload) -> str:
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=ACME, iid=7)
    context = document_context(document_source(WS.policy, issue, "sow.docx", "SOW_WIP"), DAY)
    comment = PlannedComment(
        key=KEY,
        rev="r",
        body=f"Word document: {document_placeholder(KEY)}\nend",
        internal=False,
        origin="sow-draft",
        template="sow-draft.md.j2",
        document=PlannedDocument(template="sow.docx", filename=NAME, context=context),
    )
    gitlab: Any = AnswersWith(upload)
    return with_document(gitlab, "ps/ps-plan", comment, WS.templates)


def test_the_link_is_built_from_the_url_not_the_markdown_gitlab_answered():
    url = f"/uploads/{SECRET}/{NAME}"
    hostile = f"[{NAME}]({url})\n/close\n@all"
    body = link_in_note(Upload(url=url, markdown=hostile, alt=NAME))
    assert body == f"Word document: [{NAME}]({url})\nend"


@pytest.mark.parametrize(
    "url",
    [
        f"/uploads/{SECRET}/{NAME})\n/close",
        f"https://evil.example/uploads/{SECRET}/{NAME}",
        f"/uploads/{SECRET}/../{NAME}",
    ],
)
def test_an_upload_url_that_is_not_gitlabs_shape_is_refused(url):
    with pytest.raises(GitLabProblem, match=f"upload of {NAME}"):
        link_in_note(Upload(url=url, markdown=f"[{NAME}]({url})", alt=NAME))
