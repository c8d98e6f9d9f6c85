"""Policy tests: what one scheduled run does to a scoping issue, on a GitLab emulator.

Run them with `python -m pytest tests`; CI runs them on every merge request.
"""


def test_an_agreed_estimate_moves_to_sow_wip_with_a_sow_draft(scoping):
    rates = scoping.workspace.policy.rates
    role, card = next(iter(rates.roles.items()))  # the rate card's first role
    issue = scoping.issue(
        stage="Estimate_Feedback",
        tasks=["Discovery call held", "Customer agreed price and scope"],
        data={
            "customer": "Acme Widgets",
            "line_items": [{"activity": "Discovery", "role": role, "days": 3}],
        },
    )
    scoping.run()
    assert scoping.stage(issue) == "SOW_WIP"
    (draft,) = scoping.comments(issue, "sow-draft")
    money = scoping.workspace.templates.money  # the rate card's currency, in the policy's locale
    assert money(3 * card.price) in draft
    scoping.run()  # a second run changes nothing
    assert len(scoping.comments(issue, "sow-draft")) == 1
