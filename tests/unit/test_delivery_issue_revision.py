"""The delivery issue names the SoW's estimate revision as what it is. The SoW the customer
signs shows a version number (`Version 2 (ref 1a2b3c4d)`): a hash called "version" in the
delivery issue names a version the signed document does not have."""

import re

from test_golden import rendered


def test_the_delivery_issue_does_not_call_the_revision_hash_a_version():
    text = rendered("delivery-issue.md.j2")
    assert not re.search(r"version `?[0-9a-f]{12}", text, re.IGNORECASE)
    assert re.search(r"\(SoW PS-SOW-\d+, estimate revision `[0-9a-f]{12}`\)", text)
