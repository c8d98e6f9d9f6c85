"""The figures a SoW revision showed, as a marker records them and a later request compares
them (planner/revisions)."""

import pytest

from triage.issues.markers import Marker, find_marker, supersede
from triage.planner.revisions import changes, decode, encode

V1 = {
    "version": "1",
    "list_price": "79200",
    "discount_pct": "0",
    "net_price": "79200",
    "total_days": "35",
    "roles": [["PSE", "23"], ["PM", "12"]],
    "close_date": "2026-01-23",
    "start_window": "from 2026-02-16",
    "billing": "Billed upon SOW execution",
    "agreement": {"msa": "BFS-2024-117", "date": "2024-03-18"},
}


def test_figures_go_through_a_marker_and_back():
    marker = Marker("signature-request/x/abcdef", "123456", sow="abcdef", figures=encode(V1))
    found = find_marker(f"{marker}\nbody")
    assert found == marker and decode(found.figures) == V1
    # a superseded note keeps what it recorded
    assert find_marker(supersede(f"{marker}\nbody", 9, "#note_9")).figures == marker.figures


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64!",
        encode({**V1, "cogs": "1"}),  # a key the bot never writes
        encode({**V1, "net_price": "a lot"}),
        encode({**V1, "roles": [["PSE"]]}),
        encode({**V1, "version": "-1"}),
        encode({**V1, "agreement": "yes"}),
        encode({**V1, "start_window": "x" * 3000}),
        encode([1, 2]),
    ],
)
def test_figures_not_in_the_shape_the_bot_writes_are_no_figures(text):
    assert decode(text) is None


def test_changes_compare_numbers_by_value_and_name_roles_that_came_or_went():
    now = {
        **V1,
        "total_days": "35.0",
        "discount_pct": "10",
        "roles": [["PSE", "23.0"], ["TA", "2"]],
        "agreement": "standard",
    }
    found = [(c["field"], c["role"], c["before"], c["after"]) for c in changes(V1, now)]
    assert found == [
        ("discount_pct", None, "0", "10"),
        ("role_days", "PM", "12", None),
        ("role_days", "TA", None, "2"),
        ("agreement", None, V1["agreement"], "standard"),
    ]


def test_a_text_an_older_record_lacks_is_not_compared():
    """A field added since the figures were recorded (here `fee_type`) is no change."""
    assert "fee_type" not in V1 and decode(encode(V1)) == V1
    assert changes(V1, {**V1, "fee_type": "Fixed price"}) == []
    assert [
        c["field"] for c in changes({**V1, "fee_type": None}, {**V1, "fee_type": "Fixed price"})
    ] == ["fee_type"]


def test_the_same_figures_have_no_changes():
    assert changes(V1, dict(V1)) == []
