"""The demo's last part: the Salesforce sync against a fake Salesforce org (salesforce_emulator),
when the extra is installed. Dana pastes three opportunity ids into data blocks; the sync writes
the four EM fields, a second sync writes nothing, and a win recorded in Salesforce alone is
flagged on the deal, never recorded in GitLab."""

from __future__ import annotations

import importlib.util
import re
import tempfile
from pathlib import Path

import gitlab
import requests

from ..console import Console
from ..workspace import Workspace
from .connection import Connection
from .demo_data import BOT_TOKEN, PROJECT

DEALS = {
    4102: ("Negotiation", "2026-01-30"),
    4103: ("Negotiation", "2026-01-28"),
    4105: ("Closed Won", "2026-03-20"),
}
CLIENT_ID, CLIENT_SECRET = "demo-consumer-key", "demo-consumer-secret"


def sync_demo(console: Console, workspace: Workspace, url: str, path: str = PROJECT) -> None:
    if importlib.util.find_spec("simple_salesforce") is None:
        console.out(
            "\n(The Salesforce sync is not shown: pip install 'ps-triage[salesforce]' for it.)"
        )
        return
    from salesforce_emulator import Client, FakeSalesforce, Org

    from ..policy.model import SalesforceSync
    from ..salesforce.client import Secrets
    from .salesforce import salesforce

    org = Org(lock_closed_won=False)
    for username, email in workspace.policy.salesforce.users.items():
        org.add_user(f"{username}@sf.example", email, username.title())
    runner = org.add_user("ps-sync@sf.example", "ps-sync@example.com", "PS Sync")
    org.clients[CLIENT_ID] = Client(CLIENT_ID, secret=CLIENT_SECRET, run_as=runner.id)
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeSalesforce(org, certs_dir=Path(folder)) as fake,
    ):
        console.out(f"\n=== The Salesforce sync (a fake Salesforce on {fake.url}) ===")
        project = gitlab.Gitlab(url, private_token="dana-token").projects.get(path, lazy=True)
        for iid, (stage, close) in DEALS.items():
            oid = org.add_opportunity(StageName=stage, CloseDate=close)[:15]
            issue = project.issues.get(iid)
            issue.description = re.sub(
                r"(\ncustomer: [^\n]*\n)", rf"\1opportunity: {oid}\n", issue.description, count=1
            )
            issue.save()
            console.out(f"- Dana pastes opportunity {oid} into #{iid}'s data block")
        console.out("- in Salesforce, #4105's opportunity is marked Closed Won (not in GitLab)")
        sync = SalesforceSync(instance_url=fake.url, api_version="64.0")
        policy = workspace.policy.model_copy(
            update={"salesforce": workspace.policy.salesforce.model_copy(update={"sync": sync})}
        )
        trusted = requests.Session()
        trusted.verify, trusted.trust_env = str(fake.ca_file), False
        for title in ("triage salesforce apply", "triage salesforce apply again"):
            console.out(f"\n--- {title} ---")
            salesforce(
                console,
                Workspace(policy, workspace.templates),
                Connection(url, BOT_TOKEN, path, None),
                Secrets(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
                "apply",
                state_file=Path(folder) / "state.json",
                now=None,
                session=trusted,
            )
        for oid, record in sorted(org.opportunities.items()):
            console.out(
                f"{oid}: Engagement Manager {record['Engagement_Manager__c']}, "
                f"{record['EM_Confidence__c']}, {record['Scoping_Issue_Link__c']}"
            )
        console.out(f"(Salesforce API calls: {org.used})")
