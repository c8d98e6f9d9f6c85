"""The fake Salesforce answers as Salesforce's REST API Developer Guide says Salesforce does
(issue 35). Each test names the guide's page it follows; simple-salesforce talks to it unchanged."""

from __future__ import annotations

import base64

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from salesforce_emulator import Client, FakeSalesforce, Org, full_id

KEY, SECRET = "consumer-key", "consumer-secret-123"


@pytest.fixture
def fake(tmp_path):
    org = Org()
    runner = org.add_user("sync@ps.example", "sync@example.com", "Sync")
    org.clients[KEY] = Client(KEY, secret=SECRET, run_as=runner.id)
    with FakeSalesforce(org, certs_dir=tmp_path) as server:
        yield server


def http(fake: FakeSalesforce) -> requests.Session:
    session = requests.Session()
    session.verify, session.trust_env = str(fake.ca_file), False
    return session


def token(fake: FakeSalesforce) -> str:
    answer = http(fake).post(
        f"{fake.url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(KEY, SECRET),
    )
    assert answer.status_code == 200
    return answer.json()["access_token"]


def api(fake: FakeSalesforce, method: str, path: str, **kw) -> requests.Response:
    return http(fake).request(
        method,
        f"{fake.url}/services/data/v64.0/{path}",
        headers={"Authorization": f"Bearer {token(fake)}"},
        **kw,
    )


def test_client_credentials_answers_a_token_the_instance_and_the_users_id_url(fake):
    # "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration"
    answer = (
        http(fake)
        .post(
            f"{fake.url}/services/oauth2/token",
            data={"grant_type": "client_credentials"},
            headers={
                "Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
            },
        )
        .json()
    )
    assert set(answer) >= {"access_token", "instance_url", "id", "token_type", "issued_at"}
    assert answer["token_type"] == "Bearer" and answer["instance_url"] == fake.url
    runner = next(iter(fake.org.users))
    assert answer["id"].endswith(f"/{fake.org.org_id}/{runner}")
    wrong = http(fake).post(
        f"{fake.url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(KEY, "no"),
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_client"


def test_the_jwt_bearer_flow_checks_the_signature_audience_and_user(fake, tmp_path):
    # "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fake.org.clients["jwt-app"] = Client("jwt-app", public_key_pem=public)
    import time

    def post(claims: dict, key=private) -> requests.Response:
        assertion = jwt.encode(claims, key, algorithm="RS256")
        return http(fake).post(
            f"{fake.url}/services/oauth2/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            },
        )

    good = {
        "iss": "jwt-app",
        "sub": "sync@ps.example",
        "aud": "https://login.salesforce.com",
        "exp": int(time.time()) + 120,
    }
    assert post(good).status_code == 200
    assert post({**good, "aud": "https://evil.example"}).json()["error"] == "invalid_grant"
    assert post({**good, "exp": int(time.time()) - 10}).json()["error"] == "invalid_grant"
    assert post({**good, "sub": "nobody@ps.example"}).json()["error"] == "invalid_grant"
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert post(good, other).json()["error"] == "invalid_grant"


def test_an_unknown_session_is_401_invalid_session_id_as_an_error_array(fake):
    # "Status Codes and Error Responses": errors are arrays of {message, errorCode, fields}
    answer = http(fake).get(
        f"{fake.url}/services/data/v64.0/limits", headers={"Authorization": "Bearer nope"}
    )
    assert answer.status_code == 401
    assert answer.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]


def test_every_answer_carries_sforce_limit_info_and_the_allowance_ends_in_403(fake):
    # "Limits Info Header"; "Limits"; REQUEST_LIMIT_EXCEEDED past the org's daily allowance
    fake.org.daily_max = 3
    first = api(fake, "GET", "limits")
    assert first.headers["Sforce-Limit-Info"] == "api-usage=1/3"
    assert first.json()["DailyApiRequests"] == {"Max": 3, "Remaining": 2}
    api(fake, "GET", "limits"), api(fake, "GET", "limits")
    refused = api(fake, "GET", "limits")
    assert refused.status_code == 403
    assert refused.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_describe_lists_fields_with_updateable_type_length_and_picklist_values(fake):
    # "sObject Describe"
    fields = {
        f["name"]: f for f in api(fake, "GET", "sobjects/Opportunity/describe").json()["fields"]
    }
    confidence = fields["EM_Confidence__c"]
    assert confidence["type"] == "picklist" and confidence["updateable"] is True
    assert [p["value"] for p in confidence["picklistValues"]] == ["Grey", "Red", "Amber", "Green"]
    assert (
        fields["IsWon"]["updateable"] is False
        and fields["EM_Confidence_Rationale__c"]["length"] == 255
    )
    assert fields["Engagement_Manager__c"]["referenceTo"] == ["User"]


def test_query_by_ids_answers_records_with_attributes_and_refuses_a_malformed_id(fake):
    # "Query": records carry `attributes`; a 15-character id matches its 18-character record
    oid = fake.org.add_opportunity(CloseDate="2026-03-31", Amount=1000)
    found = api(
        fake,
        "GET",
        "query/",
        params={"q": f"SELECT Id, Amount FROM Opportunity WHERE Id IN ('{oid[:15]}')"},
    ).json()
    assert found["totalSize"] == 1 and found["done"] is True
    record = found["records"][0]
    assert record["attributes"]["type"] == "Opportunity" and record["Id"] == oid
    bad = api(
        fake, "GET", "query", params={"q": "SELECT Id FROM Opportunity WHERE Id IN ('OPP-1')"}
    )
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "INVALID_QUERY_FILTER_OPERATOR"
    column = api(fake, "GET", "query", params={"q": "SELECT Nope__c FROM Opportunity"})
    assert column.status_code == 400 and column.json()[0]["errorCode"] == "INVALID_FIELD"


def test_a_row_patch_answers_204_and_records_who_modified_it(fake):
    # "sObject Rows": PATCH updates, 204 No Content
    oid = fake.org.add_opportunity()
    answer = api(fake, "PATCH", f"sobjects/Opportunity/{oid}", json={"EM_Confidence__c": "Red"})
    assert answer.status_code == 204 and answer.content == b""
    record = fake.org.opportunities[oid]
    assert record["EM_Confidence__c"] == "Red" and record["LastModifiedById"] == next(
        iter(fake.org.users)
    )
    refused = api(fake, "PATCH", f"sobjects/Opportunity/{oid}", json={"EM_Confidence__c": "Purple"})
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_a_collection_update_answers_one_result_per_record_in_order(fake):
    # "sObject Collections: Update Records": at most 200, allOrNone false, failed results name no id
    fake.org.lock_closed_won = True
    ok = fake.org.add_opportunity()
    won = fake.org.add_opportunity(StageName="Closed Won")
    long = fake.org.add_opportunity()
    body = {
        "allOrNone": False,
        "records": [
            {"attributes": {"type": "Opportunity"}, "id": ok, "EM_Confidence__c": "Green"},
            {"attributes": {"type": "Opportunity"}, "id": won, "EM_Confidence__c": "Green"},
            {
                "attributes": {"type": "Opportunity"},
                "id": long,
                "EM_Confidence_Rationale__c": "x" * 256,
            },
        ],
    }
    results = api(fake, "PATCH", "composite/sobjects", json=body).json()
    assert results[0] == {"id": ok, "success": True, "errors": []}
    assert results[1]["success"] is False and "id" not in results[1]
    assert results[1]["errors"][0]["statusCode"] == "FIELD_CUSTOM_VALIDATION_EXCEPTION"
    assert results[2]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    too_many = {
        "allOrNone": False,
        "records": [{"attributes": {"type": "Opportunity"}, "id": ok}] * 201,
    }
    answer = api(fake, "PATCH", "composite/sobjects", json=too_many)
    assert answer.status_code == 400 and answer.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_a_record_lock_refuses_the_record_unable_to_lock_row(fake):
    # "Status Codes and Error Responses": UNABLE_TO_LOCK_ROW while another process holds it
    oid = fake.org.add_opportunity()
    fake.org.locked[oid] = 1
    body = {
        "allOrNone": False,
        "records": [{"attributes": {"type": "Opportunity"}, "id": oid, "Name": "x"}],
    }
    assert (
        api(fake, "PATCH", "composite/sobjects", json=body).json()[0]["errors"][0]["statusCode"]
        == "UNABLE_TO_LOCK_ROW"
    )
    assert api(fake, "PATCH", "composite/sobjects", json=body).json()[0]["success"] is True


def test_simple_salesforce_talks_to_it_unchanged(fake):
    from simple_salesforce.api import Salesforce

    sf = Salesforce(
        instance_url=fake.url, session_id=token(fake), version="64.0", session=http(fake)
    )
    oid = fake.org.add_opportunity(Amount=5)
    assert (
        sf.query(f"SELECT Id, Amount FROM Opportunity WHERE Id IN ('{oid}')")["records"][0][
            "Amount"
        ]
        == 5
    )
    assert sf.api_usage["api-usage"].total == fake.org.daily_max
    assert full_id(oid[:15]) == oid
