"""Policy tests: what one scheduled run does to a scoping issue, on a GitLab emulator.

Run them with `python -m pytest tests` (after `pip install 'pytest>=8'`); CI runs them on every
merge request.
"""


def test_an_agreed_estimate_moves_to_sow_wip_with_a_sow_draft(scoping):
    policy = scoping.workspace.policy
    # The first offering of your service catalog priced per day (else any activity, priced from
    # the rate card's first role), as an EM would name it in the scoping data block.
    offering = next((o for o in policy.catalog if o.pricing == "per_day"), None)
    role = offering.role if offering else next(iter(policy.rates.roles))
    card = policy.rates.roles[role]
    issue = scoping.issue(
        stage="Estimate_Feedback",
        # Your tasks (the issue template's checklist) that the moves up to SOW_WIP wait for.
        tasks=scoping.tasks_to("SOW_WIP"),
        data={
            "customer": "Acme Widgets",
            "line_items": [
                {"activity": offering.id if offering else "Discovery", "role": role, "days": 3}
            ],
        },
    )
    scoping.run()
    assert scoping.stage(issue) == "SOW_WIP"
    (draft,) = scoping.comments(issue, "sow-draft")
    money = scoping.workspace.templates.money  # the rate card's currency, in the policy's locale
    assert money(3 * card.price) in draft
    if offering:
        assert offering.title in draft  # the SoW is written from your catalog
    # The Word SoW (templates/sow.docx), uploaded and linked from the note; drop this line if
    # your sow-draft rule names no `document`.
    assert "Acme-Widgets-SoW-" in draft and ".docx" in draft
    scoping.run()  # a second run changes nothing
    assert len(scoping.comments(issue, "sow-draft")) == 1
