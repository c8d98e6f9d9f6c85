"""`triage salesforce`: the four EM fields written to each deal's opportunity, three-way safe,
and what Salesforce says read back (issue 35), on the fake Salesforce beside the GitLab emulator."""

from __future__ import annotations

import json
import shutil

import pytest

from salesforce_emulator import full_id
from salesforce_emulator.org import standard_fields
from triage.salesforce import ids
from triage.testing import BOT_TOKEN

from salesforce_harness import CLIENT_SECRET, Synced, synced
from support import ROOT, triage_report


@pytest.fixture
def sf(scoping, tmp_path):
    with synced(scoping, tmp_path) as s:
        yield s


def opp(sf: Synced, **values) -> str:
    """A new opportunity, its 15-character id (as people paste it into data blocks)."""
    return sf.org.add_opportunity(CloseDate="2026-01-30", Amount=None, **values)[:15]


def test_the_four_fields_are_written_for_every_open_deal_and_a_second_run_writes_nothing(sf):
    first, second = opp(sf), opp(sf)
    a = sf.deal(first)
    b = sf.deal(second, assignee="mateo", confidence={"value": "Green", "rationale": "PO signed"})

    result = sf.run("apply")
    assert result.exit_code == 0, result.output
    one, two = sf.org.opportunities[full_id(first)], sf.org.opportunities[full_id(second)]
    url = f"{sf.scoping.emulator.url}/{sf.scoping.project_path}/-/issues"
    assert (one["Engagement_Manager__c"], one["EM_Confidence__c"]) == (sf.users["dana"], "Amber")
    assert one["EM_Confidence_Rationale__c"] == "Procurement slow"
    assert one["Scoping_Issue_Link__c"].endswith(f"/issues/{a}")
    assert two["Engagement_Manager__c"] == sf.users["mateo"] and two["EM_Confidence__c"] == "Green"
    assert two["Scoping_Issue_Link__c"].endswith(f"/issues/{b}") and url.startswith("http")
    assert one["LastModifiedById"] == sf.integration_user
    writes = sf.org.calls["PATCH composite/sobjects"]
    assert writes == 1  # both records in one collection call

    again = sf.run("apply")
    assert again.exit_code == 0, again.output
    assert sf.org.calls["PATCH composite/sobjects"] == writes
    assert "0 to write" in again.output


def test_a_field_a_person_edited_in_salesforce_is_reported_not_overwritten(sf):
    oid = opp(sf)
    iid = sf.deal(oid)
    assert sf.run("apply").exit_code == 0
    person = sf.users["harriet"]
    sf.org.edit(oid, person, EM_Confidence__c="Red")
    # GitLab's confidence changes too: the bot would now write Green over the person's Red
    sf.scoping.as_person("dana").issues.update(iid, {"add_labels": "EM_Confidence::Green"})

    result = sf.run("apply")
    assert result.exit_code == 0, result.output
    assert sf.org.opportunities[full_id(oid)]["EM_Confidence__c"] == "Red"
    assert (
        f"EM_Confidence__c on {full_id(oid)} was changed in Salesforce by {person}" in result.output
    )
    assert "kept, not overwritten" in result.output


def test_without_the_state_file_a_value_set_by_someone_else_is_kept(sf):
    oid = opp(sf)
    sf.org.edit(oid, sf.users["kaito"], EM_Confidence__c="Red")
    sf.deal(oid)
    result = sf.run("plan")
    assert result.exit_code == 0, result.output
    assert "EM_Confidence__c on" in result.output and "kept, not overwritten" in result.output
    # the empty fields are still the bot's to fill
    assert "would write" in result.output and "EM_Confidence__c," not in result.output


def test_a_closed_won_opportunity_locked_by_a_validation_rule_is_reported_and_the_run_fails(sf):
    locked = opp(sf, StageName="Closed Won")
    fine = opp(sf)
    sf.deal(locked, stage="Approved")
    sf.deal(fine)
    result = sf.run("apply")
    assert result.exit_code == 1
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in result.output
    assert "You cannot update Closed Won Opportunities" in result.output
    assert sf.org.opportunities[full_id(locked)]["EM_Confidence__c"] is None
    assert sf.org.opportunities[full_id(fine)]["EM_Confidence__c"] == "Amber"
    # not retried: the next run sends nothing, says why once more, and passes
    again = sf.run("apply")
    assert again.exit_code == 0, again.output
    assert sf.org.calls["PATCH composite/sobjects"] == 1
    assert "not sent again, Salesforce refused these values before" in again.output


def test_the_note_on_a_deal_salesforce_disagrees_with_is_in_the_teams_words(sf, tmp_path):
    """Issue 33.12: the note is its template's (`salesforce-disagrees.md.j2`), each thing
    Salesforce says given as data (its kind, both sides' values: dates and amounts for the
    locale's filters), not English fixed in code. A team's folder from an older release, without
    the template, gets the shipped one."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "salesforce-disagrees.md.j2").unlink()
    sf.templates = templates
    later = {"CloseDate": "2026-02-27"}
    older = sf.deal(sf.org.add_opportunity(Amount=None, StageName="Prospecting", **later)[:15])
    assert sf.run("apply").exit_code == 0
    [note] = sf.scoping.comments(older, "salesforce")
    assert "- close date: Jan 30, 2026 in GitLab, Feb 27, 2026 in Salesforce\n" in note

    (templates / "salesforce-disagrees.md.j2").write_text(
        "세일즈포스와 다름 ({{ opportunity }}):\n"
        "{% for s in said %}\n"
        '- {{ {"won": "수주", "close_date": "마감일", "amount": "금액"}[s.kind] }}: '
        "{% if s.kind == 'close_date' %}{{ s.gitlab | day }} / {{ s.salesforce | day }}"
        "{% elif s.kind == 'amount' %}{{ s.gitlab | money }} / {{ s.salesforce | money }}"
        "{% else %}{{ s.salesforce }}{% endif +%}\n"
        "{% endfor %}"
    )
    won = sf.org.add_opportunity(StageName="Closed Won", Amount=1000, **later)[:15]
    sf.org.lock_closed_won = False
    iid = sf.deal(won, stage="Approved")
    assert sf.run("apply").exit_code == 0
    [note] = sf.scoping.comments(iid, "salesforce")
    assert note.split("\n", 1)[1] == (
        f"세일즈포스와 다름 ({full_id(won)}):\n- 수주: Closed Won\n"
        "- 마감일: Jan 30, 2026 / Feb 27, 2026\n- 금액: USD 7,200.00 / USD 1,000.00"
    )


def test_salesforces_closed_won_is_flagged_on_the_deal_once_and_listed_as_needing_action(sf):
    won = opp(sf, StageName="Closed Won")
    sf.org.lock_closed_won = False
    iid = sf.deal(won, stage="Approved")
    assert sf.run("apply").exit_code == 0
    notes = sf.scoping.comments(iid, "salesforce")
    assert len(notes) == 1 and "Salesforce says the opportunity is won (Closed Won)" in notes[0]
    assert "only Deal Desk records the win here" in notes[0]
    assert "Salesforce::disagrees" in sf.scoping.labels(iid)
    assert sf.scoping.stage(iid) == "Approved"  # never set from Salesforce

    puts = sf.scoping.emulator.stats.requests["PUT"]
    assert sf.run("apply").exit_code == 0
    assert len(sf.scoping.comments(iid, "salesforce")) == 1  # said once
    assert sf.scoping.emulator.stats.requests["PUT"] == puts  # and flagged once

    report = triage_report(
        sf.scoping.emulator.url, BOT_TOKEN, "--policies", str(sf.policies), "--format", "json"
    )
    needs = json.loads(report.stdout)["needs_action"]
    assert needs["salesforce_disagrees"] == [{"ref": f"{sf.scoping.project_path}#{iid}"}]

    # Salesforce reopened: they agree again, the flag goes
    sf.org.edit(won, sf.users["dana"], StageName="Negotiation")
    assert sf.run("apply").exit_code == 0
    assert "Salesforce::disagrees" not in sf.scoping.labels(iid)


def test_the_budget_stops_the_run_before_salesforce_refuses(sf):
    for _ in range(3):
        sf.deal(opp(sf))
    sf.org.used, sf.org.daily_max = 89, 100  # 90% after the first call of the run
    result = sf.run("apply")
    assert result.exit_code == 1
    assert "stop_above_percent" in result.output
    assert sf.org.used <= 91
    assert all(o["EM_Confidence__c"] is None for o in sf.org.opportunities.values())


def test_request_limit_exceeded_stops_the_run(sf):
    sf.deal(opp(sf))
    sf.org.used = sf.org.daily_max = 5
    result = sf.run("apply")
    assert result.exit_code == 1
    assert "REQUEST_LIMIT_EXCEEDED" in result.output and "nothing more is sent" in result.output


def test_a_record_lock_is_sent_again_with_a_growing_wait(sf):
    first, second = opp(sf), opp(sf)
    sf.org.locked[full_id(first)] = 2  # two refusals, then the record is free
    org = sf.session()
    waits: list[float] = []
    org._sleep = waits.append
    done = org.write(
        {
            full_id(first): {"EM_Confidence__c": "Green"},
            full_id(second): {"EM_Confidence__c": "Red"},
        }
    )
    assert sorted(done.ok) == sorted([full_id(first), full_id(second)])
    assert done.retried == 2 and waits == [0.5, 1.0]
    assert sf.org.opportunities[full_id(first)]["EM_Confidence__c"] == "Green"


def test_a_lock_that_never_clears_is_refused_after_three_retries(sf):
    oid = opp(sf)
    sf.org.locked[full_id(oid)] = 10
    done = sf.session().write({full_id(oid): {"EM_Confidence__c": "Green"}})
    assert done.ok == [] and "UNABLE_TO_LOCK_ROW" in done.refused[full_id(oid)][0]
    assert sf.org.locked[full_id(oid)] == 10 - 4


def test_invalid_and_shared_opportunity_ids_are_named_and_not_synced(sf):
    shared = opp(sf)
    sf.deal("006XXXXXXXXXXXXXXX")
    sf.deal("OPP-2291")
    sf.deal(shared)
    sf.deal(shared, customer="Other Co")
    result = sf.run("plan")
    assert result.exit_code == 0, result.output
    assert "`006XXXXXXXXXXXXXXX` is a placeholder" in result.output
    assert "`OPP-2291` is not a Salesforce id" in result.output
    assert "name one opportunity" in result.output
    assert "would write" not in result.output


def test_no_secret_in_any_output(sf):
    sf.deal(opp(sf))
    outputs = [sf.run(action).output for action in ("check", "plan", "apply")]
    outputs.append(sf.run("apply", env={"SF_CLIENT_SECRET": "wrong-secret-123456"}).output)
    tokens = list(sf.org.tokens)
    assert tokens
    for text in outputs:
        assert CLIENT_SECRET not in text and "wrong-secret-123456" not in text
        assert not any(token in text for token in tokens)
        assert BOT_TOKEN not in text
    assert "Salesforce refused the sign-in (invalid_client" in outputs[-1]


def test_check_names_each_problem_with_its_fix(sf):
    sf.org.fields["EM_Confidence__c"].picklist = ("Red", "Green")
    sf.org.fields["Scoping_Issue_Link__c"].updateable = False
    del sf.org.fields["EM_Confidence_Rationale__c"]
    sf.org.users[sf.users["kaito"]].active = False
    result = sf.run("check")
    assert result.exit_code == 1
    out = result.output
    assert (
        "salesforce.sync.fields.confidence: the picklist of `EM_Confidence__c` lacks Grey, Amber"
        in out
    )
    assert "`Scoping_Issue_Link__c` is not updateable by the integration user: fix:" in out
    assert "Opportunity has no field `EM_Confidence_Rationale__c`: fix:" in out
    assert "salesforce.users.kaito: the Salesforce user `kaito.mori@example.com` is inactive" in out
    # apply refuses to write with problems left (the fields it reads are all there again)
    sf.org.fields = standard_fields() | {
        "Scoping_Issue_Link__c": sf.org.fields["Scoping_Issue_Link__c"]
    }
    sf.deal(opp(sf))
    assert sf.run("apply").exit_code == 1
    assert sf.org.calls["PATCH composite/sobjects"] == 0


def test_check_passes_on_a_ready_org(sf):
    result = sf.run("check")
    assert result.exit_code == 0, result.output
    assert "Salesforce ready" in result.output and "4 user(s) mapped" in result.output


def test_ids_are_validated_with_their_checksum():
    assert ids.problem("0065g000001AbCd") is None
    assert ids.problem(ids.full("0065g000001AbCd")) is None
    assert "checksum" in (ids.problem("0065g000001AbCdAAA") or "")
    assert "does not start with 006" in (ids.problem("0055g000001AbCd") or "")


def test_the_jwt_bearer_flow_signs_in_with_the_key_file_a_ci_file_variable_gives(scoping, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from salesforce_emulator import Client

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_file = tmp_path / "sf-key.pem"
    key_file.write_bytes(pem)
    with synced(scoping, tmp_path, auth="jwt") as sf:
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        sf.org.clients["jwt-app"] = Client("jwt-app", public_key_pem=public)
        jwt_env = {"SF_CLIENT_ID": "jwt-app", "SF_USERNAME": "ps-sync@ps.example"}
        oid = opp(sf)
        sf.deal(oid)
        result = sf.run("apply", env={**jwt_env, "SF_PRIVATE_KEY": str(key_file)})
        assert result.exit_code == 0, result.output
        assert sf.org.opportunities[full_id(oid)]["EM_Confidence__c"] == "Amber"
        assert "PRIVATE KEY" not in result.output
        missing = sf.run("check", env={**jwt_env, "SF_PRIVATE_KEY": ""})
        assert missing.exit_code == 1 and "needs SF_USERNAME" in missing.output


def test_a_private_key_path_that_cannot_be_read_is_one_error_line(sf, tmp_path):
    result = sf.run("check", env={"SF_PRIVATE_KEY": str(tmp_path / "missing.pem")})
    assert result.exit_code == 1
    assert result.output.strip() == (
        "error: SF_PRIVATE_KEY is neither a PEM key nor the path of a readable file holding one "
        "(its value is not shown)"
    )


def test_an_issue_naming_an_opportunity_linked_to_another_issue_writes_nothing_there(sf):
    """A Reporter opens a scoping issue naming a deal that is not theirs: the opportunity's issue
    link names the deal's own issue, so the bot writes nothing there from the newcomer."""
    oid = opp(sf)
    own = sf.deal(oid)
    assert sf.run("apply").exit_code == 0
    before = dict(sf.org.opportunities[full_id(oid)])
    sf.scoping.issue(  # the deal's own issue leaves the listing (on hold, say): no duplicate then
        stage="Strawman_WIP",
        tasks=["Discovery call held"],
        data={
            "customer": "Mallory Co",
            "opportunity": oid,
            "confidence": {"value": "Red", "rationale": "x"},
        },
        assignee="kaito",
    )
    sf.scoping.as_person("dana").issues.update(own, {"state_event": "close"})
    result = sf.run("apply")
    assert result.exit_code == 0, result.output
    assert sf.org.opportunities[full_id(oid)] == before
    assert f"opportunity {full_id(oid)} is linked to another scoping issue" in result.output


def test_a_win_that_did_not_pass_its_gate_is_no_win_for_the_sync_either(sf):
    """A Reporter (not Deal Desk) closes a deal as won: no number counts it (issue 29, item 2),
    and the sync does not tell the deal Salesforce lacks a win GitLab never recorded."""
    from triage.rules.fiscal import fiscal_quarter

    oid = opp(sf)
    iid = sf.deal(oid, stage="Approved")
    quarter = fiscal_quarter(sf.scoping.emulator.store.clock.now().date(), 2).label
    sf.scoping.as_person("imogen").issues.update(
        iid,
        {"add_labels": f"proposal::Closed_Won,close_qtr::{quarter}", "state_event": "close"},
    )
    result = sf.run("plan")
    assert result.exit_code == 0, result.output
    assert "GitLab records the win" not in result.output
