"""The SoW note's internal part, read by the Engagement Manager: with the Word document linked,
it says the sections are that document's preview (nothing to retype), not "copy them into the
SoW template" (the retyping the Word SoW exists to save); without one, it still says to copy."""

from test_golden import BRAMBLEWOOD, rendered

from triage.preview import template_uses, use_context

from support import snapshot, workspace

WS = workspace()
COPY = "Copy sections 1"


def test_with_the_word_document_linked_the_em_is_not_asked_to_retype_it():
    text = rendered("sow-draft.md.j2")
    assert "**Word document for signature:** [" in text
    internal = text.split("**Internal: for the Engagement Manager", 1)[1]
    assert COPY not in internal
    assert "preview the Word document linked at the top" in internal
    assert "nothing to retype" in internal


def test_without_a_word_document_the_em_is_asked_to_copy_the_sections():
    issue = snapshot(labels=("Services Calculator", "proposal::SOW_WIP"), data=BRAMBLEWOOD)
    kind, use = template_uses(WS.policy)["sow-draft.md.j2"][0]
    context = use_context(WS.policy, issue, kind, use, "SOW_WIP")
    assert context["document"] is None
    text = WS.templates.render("sow-draft.md.j2", {**context, "links": {}})
    assert "Word document for signature" not in text
    assert COPY in text and "into the SoW template" in text
