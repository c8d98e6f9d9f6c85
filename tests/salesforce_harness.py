"""A fake Salesforce org beside the GitLab emulator, and `triage salesforce` run against both
through the CLI, as the scheduled job runs it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner, Result

from salesforce_emulator import Client, FakeSalesforce, Org
from triage.cli import main
from triage.policy.model import SalesforceSync
from triage.salesforce.client import Org as Session
from triage.salesforce.client import Secrets
from triage.testing import BOT_TOKEN, Scoping

from support import ROOT

CLIENT_ID = "3MVG9ps-triage-consumer-key"
CLIENT_SECRET = "sf-client-secret-9f8e7d6c5b4a"
EMAILS = {
    "dana": "dana.okafor@example.com",
    "mateo": "mateo.rossi@example.com",
    "harriet": "harriet.lindqvist@example.com",
    "kaito": "kaito.mori@example.com",
}
DATA = {
    "customer": "Acme Widgets",
    "close_date": "2026-01-30",
    "people": {"sa": "felix", "ae": "imogen"},
    "confidence": {"value": "Amber", "rationale": "Procurement slow"},
    "line_items": [{"activity": "Discovery", "role": "PSE", "days": 3}],
}


@dataclass
class Synced:
    fake: FakeSalesforce
    scoping: Scoping
    policies: Path
    state: Path
    integration_user: str
    users: dict[str, str]  # GitLab username -> Salesforce user id
    templates: Path = ROOT / "templates"  # the comment templates `--templates` names

    @property
    def org(self) -> Org:
        return self.fake.org

    def run(self, action: str = "apply", *args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(
            main,
            [
                "salesforce",
                action,
                "--policies",
                str(self.policies),
                "--templates",
                str(self.templates),
                "--state",
                str(self.state),
                *args,
            ],
            env={
                "GITLAB_URL": self.scoping.emulator.url,
                "GITLAB_TOKEN": BOT_TOKEN,
                "SF_CLIENT_ID": CLIENT_ID,
                "SF_CLIENT_SECRET": CLIENT_SECRET,
                "REQUESTS_CA_BUNDLE": str(self.fake.ca_file),
                **(env or {}),
            },
        )

    def session(self, **sync: Any) -> Session:
        """The client alone, signed in (for what the CLI would take seconds to show)."""
        trusted = requests.Session()
        trusted.verify = str(self.fake.ca_file)
        trusted.trust_env = False  # else REQUESTS_CA_BUNDLE, where set, wins over `verify`
        return Session(
            SalesforceSync(instance_url=self.fake.url, api_version="64.0", **sync),
            Secrets(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
            session=trusted,
            sleep=lambda seconds: None,
        )

    def deal(
        self, opportunity: str, *, stage: str = "Strawman_WIP", assignee: str = "dana", **data: Any
    ) -> int:
        return self.scoping.issue(
            stage=stage,
            tasks=["Discovery call held"],
            data={**DATA, "opportunity": opportunity, **data},
            assignee=assignee,
        )


def sync_block(url: str, **extra: str) -> str:
    lines = [
        "  sync:",
        f"    instance_url: {url}",
        '    api_version: "64.0"',
        *(f"    {k}: {v}" for k, v in {"auth": "client_credentials", **extra}.items()),
    ]
    return "\n".join(lines) + "\n"


@contextmanager
def synced(scoping: Scoping, tmp_path: Path, **sync: str) -> Iterator[Synced]:
    org = Org()
    users = {
        gl: org.add_user(f"{gl}@ps.example", email, gl.title()).id for gl, email in EMAILS.items()
    }
    integration = org.add_user("ps-sync@ps.example", "ps-sync@example.com", "PS Sync")
    org.clients[CLIENT_ID] = Client(CLIENT_ID, secret=CLIENT_SECRET, run_as=integration.id)
    with FakeSalesforce(org, certs_dir=tmp_path) as fake:
        policies = tmp_path / "policies"
        shutil.copytree(ROOT / "policies", policies)
        main_policy = policies / "ps-scoping.yml"
        text = main_policy.read_text(encoding="utf-8")
        assert "\nsalesforce:\n" in text
        text = text.replace("\nsalesforce:\n", "\nsalesforce:\n" + sync_block(fake.url, **sync), 1)
        main_policy.write_text(text, encoding="utf-8")
        yield Synced(fake, scoping, policies, tmp_path / "sf-state.json", integration.id, users)
