"""The last weeks of FY27-Q1 and the first of FY27-Q2 on the emulator (tests/quarter_sim.py):
12 deals, people acting between the bot's runs (three a working day here; hourly in
bench/quarter.py): approvals by label and by :thumbsup:, revisions after approval and
re-approvals, wins, a loss, a deal on hold, a deal approved weeks before and quiet since, a Red
deal closing months ahead, and a win Deal Desk records after the quarter's end (a late
booking). What was signed is what the quarter's forecast issue and `triage report` book."""

from decimal import Decimal

from quarter_sim import QUARTER, simulate


def test_a_quarter_books_every_signed_deal_and_loses_no_approved_one():
    q = simulate(15, 5, (9, 15))
    assert q.signed_deals[QUARTER] == [
        "Alder Mills",
        "Birch Logistics",
        "Hazel Federal",
        "Larch Insurance",
        "Cedar Point Bank",  # re-approved with :thumbsup: after a revision
        "Dogwood Energy",  # approved 56 days before the first run, quiet since
        "Elm Street Media",  # recorded after the quarter's end
    ]
    assert q.signed == {QUARTER: Decimal("184400.00")}
    assert q.forecast_won == {QUARTER: q.signed[QUARTER]}, q.forecast_text[QUARTER]
    assert q.report_won == {QUARTER: q.signed[QUARTER]}
    assert q.approved_then_lost == []
    # Approved, closing next quarter: still approved. Red, closing months ahead: still open.
    assert (
        q.states["Ivy Health"][0] == "opened" and "proposal::Approved" in q.states["Ivy Health"][1]
    )
    assert q.states["Juniper Schools"][0] == "opened"
    assert "Lost::budget" in q.states["Fir Analytics"][1]
