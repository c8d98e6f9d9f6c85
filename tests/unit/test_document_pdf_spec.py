"""`pdf: true` on a comment: a PDF of its Word document, so it needs one; and its upload is
counted as a write of the issue's plan (the write budget), like the document's."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triage.planner import IssuePlan, PlannedComment
from triage.planner.records import PlannedDocument
from triage.rules.actions import CommentSpec


def test_a_pdf_without_a_word_document_is_refused_with_the_fix():
    with pytest.raises(ValidationError, match="pdf is a PDF of the comment's Word document: name"):
        CommentSpec(template="sow-draft.md.j2", pdf=True)
    assert CommentSpec(template="sow-draft.md.j2", document="sow.docx", pdf=True).pdf


@pytest.mark.parametrize(("pdf", "writes"), [(False, 2), (True, 3)])
def test_the_pdf_upload_counts_as_a_write(pdf, writes):
    document = PlannedDocument(template="sow.docx", filename="A-SoW-2026-01-12.docx", context={})
    comment = PlannedComment(
        key="sow-draft/sow-draft.md.j2",
        rev="r",
        body="b",
        internal=False,
        origin="sow-draft",
        template="sow-draft.md.j2",
        document=PlannedDocument(**{**document.__dict__, "pdf": pdf}),
    )
    plan = IssuePlan(project="ps/ps-plan", iid=1, title="t", web_url="u", comments=(comment,))
    assert plan.write_count == writes  # the note, the .docx, and the PDF when asked
