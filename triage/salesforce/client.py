"""The one door to Salesforce: sign-in, describe, reads by id, collection writes, the budget.

Sign-in is the integration user's: the OAuth 2.0 JWT bearer flow or client credentials, posted to
the org's My Domain; username and password login is never used (Salesforce is retiring it). Then
simple-salesforce, on the pinned API version, with the access token. Every call first checks the
run's budget: `max_calls` of its own, and Salesforce's `Sforce-Limit-Info` saying how much of the
org's daily allowance is used (`stop_above_percent`). `REQUEST_LIMIT_EXCEEDED` stops the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ..errors import UserError
from ..policy.model import SalesforceSync

CHUNK = 200  # ids per SOQL query and records per collection write (the API's own limit)
LOCK_RETRIES = 3
TIMEOUT = 30


class SalesforceProblem(UserError):
    """Salesforce refused or could not be reached: said in one line, exit 1."""


class BudgetSpent(SalesforceProblem):
    """The run's share of the API is used up, or the org's is: stop, write nothing more."""


@dataclass(frozen=True)
class Secrets:
    """From masked CI variables (read by the CLI): never printed, never in the policy."""

    client_id: str | None = None
    client_secret: str | None = None  # client credentials
    username: str | None = None  # JWT: the integration user's username
    private_key: str | None = None  # JWT: the PEM of the connected app's certificate's key

    def values(self) -> list[str | None]:
        return [self.client_secret, self.private_key]

    @classmethod
    def given(
        cls,
        client_id: str | None,
        client_secret: str | None,
        username: str | None,
        private_key: str | None,
    ) -> Secrets:
        """From the variables as set: blanks are none, space around a value is dropped, and a
        private key that is not a PEM is the path of a file holding one (a CI file variable)."""
        if private_key and "-----BEGIN" not in private_key:
            try:
                private_key = Path(private_key.strip()).read_text(encoding="utf-8")
            except (OSError, ValueError):
                raise UserError(
                    "SF_PRIVATE_KEY is neither a PEM key nor the path of a readable file "
                    "holding one (its value is not shown)"
                ) from None
        return cls(
            (client_id or "").strip() or None,
            (client_secret or "").strip() or None,
            (username or "").strip() or None,
            private_key or None,
        )


@dataclass
class Written:
    """What a collection write did, record by record."""

    ok: list[str] = field(default_factory=list)  # ids written
    refused: dict[str, list[str]] = field(default_factory=dict)  # id -> "CODE: message"
    retried: int = 0  # UNABLE_TO_LOCK_ROW answers sent again


class Org:
    """A signed-in session with one org, for one run."""

    def __init__(
        self,
        sync: SalesforceSync,
        secrets: Secrets,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_token: Callable[[str], None] = lambda token: None,
    ) -> None:
        self.sync = sync
        self.calls = 0
        self.used: tuple[int, int] | None = None  # the org's (used, max), from the last answer
        self._sleep = sleep
        self._session = session or requests.Session()
        token, instance_url, self.user_id = self._sign_in(secrets)
        on_token(token)  # masked from here on
        from simple_salesforce.api import Salesforce

        self._sf = Salesforce(
            instance_url=instance_url,
            session_id=token,
            version=sync.api_version,
            session=self._session,
        )

    # sign-in ----------------------------------------------------------------------------

    def _sign_in(self, secrets: Secrets) -> tuple[str, str, str]:
        url = self.sync.instance_url.rstrip("/") + "/services/oauth2/token"
        if not secrets.client_id:
            raise SalesforceProblem(
                "no Salesforce client: set SF_CLIENT_ID (the connected app's consumer key, a "
                "masked CI/CD variable)"
            )
        if self.sync.auth == "jwt":
            if not secrets.username or not secrets.private_key:
                raise SalesforceProblem(
                    "`salesforce.sync.auth: jwt` needs SF_USERNAME (the integration user) and "
                    "SF_PRIVATE_KEY (a file variable holding the certificate's private key)"
                )
            import jwt

            assertion = jwt.encode(
                {
                    "iss": secrets.client_id,
                    "sub": secrets.username,
                    "aud": self.sync.audience,
                    "exp": int(time.time()) + 180,
                },
                secrets.private_key,
                algorithm="RS256",
            )
            form = {
                "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                "assertion": assertion,
            }
            auth = None
        else:
            if not secrets.client_secret:
                raise SalesforceProblem(
                    "`salesforce.sync.auth: client_credentials` needs SF_CLIENT_SECRET (the "
                    "connected app's consumer secret, a masked CI/CD variable)"
                )
            form = {"grant_type": "client_credentials"}
            auth = (secrets.client_id, secrets.client_secret)
        try:
            answer = self._session.post(url, data=form, auth=auth, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise SalesforceProblem(
                f"cannot reach Salesforce at {self.sync.instance_url}: {type(error).__name__}"
            ) from None
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if answer.status_code != 200 or "access_token" not in body:
            reason = f"{body.get('error', answer.status_code)}: {body.get('error_description', '')}"
            raise SalesforceProblem(
                f"Salesforce refused the sign-in ({reason.strip()}): check that the connected "
                "app's consumer key and secret (or certificate) are these, that the integration "
                "user is pre-authorised on the app and active, and that `salesforce.sync."
                "instance_url` is the org's My Domain"
            )
        # `id` is https://login.salesforce.com/id/<org id>/<user id>
        user_id = str(body.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
        return str(body["access_token"]), str(body.get("instance_url") or url), user_id

    # calls ------------------------------------------------------------------------------

    def _call(self, what: str, send: Callable[[], Any]) -> Any:
        from simple_salesforce.exceptions import SalesforceError

        if self.calls >= self.sync.max_calls:
            raise BudgetSpent(
                f"stopped before {what}: this run made {self.calls} Salesforce API calls, its "
                f"share (`salesforce.sync.max_calls`)"
            )
        if (
            self.used
            and self.used[1]
            and 100 * self.used[0] / self.used[1] >= self.sync.stop_above_percent
        ):
            raise BudgetSpent(
                f"stopped before {what}: Salesforce says the org has used {self.used[0]} of its "
                f"{self.used[1]} daily API requests, at or above `salesforce.sync."
                f"stop_above_percent` ({self.sync.stop_above_percent:g}%)"
            )
        self.calls += 1
        try:
            result = send()
        except SalesforceError as error:
            self._note_usage()
            codes = _codes(error.content)
            if "REQUEST_LIMIT_EXCEEDED" in codes:
                raise BudgetSpent(
                    f"Salesforce refused {what}: REQUEST_LIMIT_EXCEEDED (the org's API "
                    "allowance is used up); nothing more is sent this run"
                ) from None
            raise SalesforceProblem(
                f"Salesforce refused {what}: {_said(error.content) or error.status}"
            ) from None
        except requests.RequestException as error:
            raise SalesforceProblem(
                f"cannot reach Salesforce for {what}: {type(error).__name__}"
            ) from None
        self._note_usage()
        return result

    def _note_usage(self) -> None:
        usage = getattr(self._sf, "api_usage", {}).get("api-usage")
        if usage is not None:
            self.used = (int(usage.used), int(usage.total))

    def describe(self) -> dict[str, dict[str, Any]]:
        """The Opportunity's fields by API name, as `describe` shows them."""
        found = self._call(
            "describing Opportunity", lambda: self._sf.restful("sobjects/Opportunity/describe")
        )
        return {f["name"]: f for f in found.get("fields", [])}

    def query(self, soql: str, what: str) -> list[dict[str, Any]]:
        found = self._call(what, lambda: self._sf.query(soql))
        return [{k: v for k, v in r.items() if k != "attributes"} for r in found.get("records", [])]

    def opportunities(self, ids: Sequence[str], names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The opportunities with these ids (18 characters), by id, 200 ids a query."""
        fields = ", ".join(dict.fromkeys(["Id", *names]))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            where = ", ".join(f"'{i}'" for i in chunk)  # ids are checked: letters and digits
            for record in self.query(
                f"SELECT {fields} FROM Opportunity WHERE Id IN ({where})",
                f"reading {len(chunk)} opportunities",
            ):
                found[str(record["Id"])] = record
        return found

    def users(self, key: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """Users whose `key` (Id or Email) is one of `values`."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            where = ", ".join(
                "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for v in chunk
            )
            found += self.query(
                f"SELECT Id, Email, Name, IsActive FROM User WHERE {key} IN ({where})",
                f"reading {len(chunk)} users",
            )
        return found

    def _patcher(self, body: dict[str, Any]) -> Callable[[], Any]:
        return lambda: self._sf.restful("composite/sobjects", method="PATCH", json=body)

    def write(self, changes: Mapping[str, Mapping[str, Any]]) -> Written:
        """PATCH composite/sobjects, 200 records a call, `allOrNone: false`: one result per
        record. `UNABLE_TO_LOCK_ROW` (someone or some automation holds the record) is sent again
        with a growing wait, three times; any other refusal (a validation rule) is reported."""
        done = Written()
        pending = dict(changes)
        for attempt in range(LOCK_RETRIES + 1):
            locked: dict[str, Mapping[str, Any]] = {}
            items = list(pending.items())
            for start in range(0, len(items), CHUNK):
                chunk = items[start : start + CHUNK]
                body = {
                    "allOrNone": False,
                    "records": [
                        {"attributes": {"type": "Opportunity"}, "id": oid, **values}
                        for oid, values in chunk
                    ],
                }
                results = self._call(f"writing {len(chunk)} opportunities", self._patcher(body))
                for (oid, values), result in zip(chunk, results or [], strict=False):
                    if result.get("success"):
                        done.ok.append(oid)
                        continue
                    codes = [e.get("statusCode", "") for e in result.get("errors", [])]
                    if "UNABLE_TO_LOCK_ROW" in codes and attempt < LOCK_RETRIES:
                        locked[oid] = values
                    else:
                        done.refused[oid] = [
                            f"{e.get('statusCode')}: {e.get('message')}"
                            for e in result.get("errors", [])
                        ]
            if not locked:
                break
            done.retried += len(locked)
            pending = locked
            self._sleep(0.5 * 2**attempt)
        return done


def _codes(content: Any) -> list[str]:
    if isinstance(content, list):
        return [str(e.get("errorCode", "")) for e in content if isinstance(e, dict)]
    return []


def _said(content: Any) -> str:
    if isinstance(content, list):
        return "; ".join(
            f"{e.get('errorCode')}: {e.get('message')}" for e in content if isinstance(e, dict)
        )
    return str(content)[:200]
