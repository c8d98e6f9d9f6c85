"""The state of one fake Salesforce org: opportunities, users, the Opportunity fields as
`describe` shows them, the connected app's clients, the daily API allowance, and the scripted
rules a real org has (a validation rule that locks Closed Won opportunities, record locks).

Shapes follow Salesforce's REST API Developer Guide: records carry `attributes`, errors are JSON
arrays of `{message, errorCode, fields}` ("Status Codes and Error Responses"), ids are 18
characters (the 15 and a case checksum), `LastModifiedById`/`LastModifiedDate` change on every
write.
"""

from __future__ import annotations

import random
import string
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_CHECKSUM = string.ascii_uppercase + "012345"


def full_id(id15: str) -> str:
    """An id in its 18-character form (Salesforce's case checksum appended)."""
    if len(id15) == 18:
        return id15
    out = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, c in enumerate(chunk) if c in string.ascii_uppercase)
        out += _CHECKSUM[bits]
    return id15 + out


@dataclass
class FieldInfo:
    """One field as `sobjects/Opportunity/describe` lists it."""

    name: str
    label: str
    type: str  # id, string, textarea, picklist, reference, url, boolean, date, currency, datetime
    length: int = 0
    updateable: bool = True
    picklist: tuple[str, ...] = ()
    restricted: bool = False
    reference_to: tuple[str, ...] = ()

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "length": self.length,
            "updateable": self.updateable,
            "createable": self.updateable,
            "nillable": self.type not in ("id", "boolean"),
            "custom": self.name.endswith("__c"),
            "restrictedPicklist": self.restricted,
            "referenceTo": list(self.reference_to),
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
                for v in self.picklist
            ],
        }


def standard_fields() -> dict[str, FieldInfo]:
    """The Opportunity fields the sync reads, and the four custom fields GitLab PS adds."""
    fields = [
        FieldInfo("Id", "Opportunity ID", "id", 18, updateable=False),
        FieldInfo("Name", "Name", "string", 120),
        FieldInfo("StageName", "Stage", "picklist", 255, picklist=STAGES),
        FieldInfo("IsClosed", "Closed", "boolean", updateable=False),
        FieldInfo("IsWon", "Won", "boolean", updateable=False),
        FieldInfo("CloseDate", "Close Date", "date"),
        FieldInfo("Amount", "Amount", "currency"),
        FieldInfo(
            "CurrencyIsoCode", "Opportunity Currency", "picklist", 3, picklist=("USD", "EUR")
        ),
        FieldInfo("LastModifiedDate", "Last Modified Date", "datetime", updateable=False),
        FieldInfo(
            "LastModifiedById", "Last Modified By ID", "reference", 18, False, (), False, ("User",)
        ),
        FieldInfo(
            "Engagement_Manager__c",
            "Engagement Manager",
            "reference",
            18,
            reference_to=("User",),
        ),
        FieldInfo(
            "EM_Confidence__c",
            "EM Confidence",
            "picklist",
            255,
            picklist=("Grey", "Red", "Amber", "Green"),
            restricted=True,
        ),
        FieldInfo("EM_Confidence_Rationale__c", "EM Confidence Rationale", "textarea", 255),
        FieldInfo("Scoping_Issue_Link__c", "Scoping Issue Link", "url", 255),
    ]
    return {f.name: f for f in fields}


# StageName -> (IsClosed, IsWon), as an org's stage settings say
STAGES = ("Prospecting", "Negotiation", "Closed Won", "Closed Lost")
STAGE_STATE = {
    "Prospecting": (False, False),
    "Negotiation": (False, False),
    "Closed Won": (True, True),
    "Closed Lost": (True, False),
}


@dataclass
class User:
    id: str
    username: str
    email: str
    name: str
    active: bool = True


@dataclass
class Client:
    """A connected app's consumer: its secret (client credentials, run as `run_as`) and the
    certificate's public key its JWT assertions are checked against."""

    consumer_key: str
    secret: str | None = None
    public_key_pem: bytes | None = None
    run_as: str | None = None  # user id the client credentials flow signs in as


@dataclass
class Org:
    instance_url: str = ""  # set by the server once it listens
    org_id: str = "00D000000000001AAA"
    fields: dict[str, FieldInfo] = field(default_factory=standard_fields)
    opportunities: dict[str, dict[str, Any]] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)
    daily_max: int = 15_000
    used: int = 0  # API requests counted in the rolling 24 hours
    lock_closed_won: bool = True  # the validation rule: no edit of a Closed Won opportunity
    lock_rate: float = 0.0  # share of record writes refused UNABLE_TO_LOCK_ROW at random
    locked: Counter[str] = field(default_factory=Counter)  # id -> refusals left, scripted
    seed: int = 0
    tokens: dict[str, str] = field(default_factory=dict)  # access token -> user id
    calls: Counter[str] = field(default_factory=Counter)  # "PATCH composite/sobjects" -> n
    _random: random.Random = field(init=False, repr=False)
    _next: int = field(default=1, init=False, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    # records ----------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        self._next += 1
        return full_id(f"{prefix}5g0000{self._next:06d}")

    def add_user(self, username: str, email: str, name: str, *, active: bool = True) -> User:
        user = User(self.new_id("005"), username, email, name, active)
        self.users[user.id] = user
        return user

    def add_opportunity(self, id15: str | None = None, **values: Any) -> str:
        oid = full_id(id15) if id15 else self.new_id("006")
        stage = values.pop("StageName", "Prospecting")
        record: dict[str, Any] = {
            "Id": oid,
            "Name": values.pop("Name", f"Opportunity {oid[-6:]}"),
            "CloseDate": values.pop("CloseDate", None),
            "Amount": values.pop("Amount", None),
            "CurrencyIsoCode": values.pop("CurrencyIsoCode", "USD"),
            "LastModifiedById": values.pop("LastModifiedById", None),
            "LastModifiedDate": _now(),
        }
        for name in self.custom_fields():
            record[name] = values.pop(name, None)
        if values:
            raise ValueError(f"unknown Opportunity fields: {', '.join(values)}")
        self.opportunities[oid] = record
        self._set_stage(record, stage)
        return oid

    def custom_fields(self) -> list[str]:
        return [name for name in self.fields if name.endswith("__c")]

    def _set_stage(self, record: dict[str, Any], stage: str) -> None:
        record["StageName"] = stage
        record["IsClosed"], record["IsWon"] = STAGE_STATE.get(stage, (False, False))

    def edit(self, oid: str, by: str, **values: Any) -> None:
        """A person's edit in Salesforce (the UI): no rule applies, the record says who."""
        with self.lock:
            record = self.opportunities[full_id(oid)]
            stage = values.pop("StageName", None)
            record.update(values)
            if stage is not None:
                self._set_stage(record, stage)
            record["LastModifiedById"] = by
            record["LastModifiedDate"] = _now()

    # the API's write path ---------------------------------------------------------------

    def write(self, oid: str, values: dict[str, Any], user_id: str) -> list[dict[str, Any]]:
        """Errors for one record's update through the API (none: written)."""
        record = self.opportunities.get(full_id(oid)) if len(oid) in (15, 18) else None
        if record is None:
            return [_error("ENTITY_IS_DELETED", "entity is deleted", [])]
        if self.locked[record["Id"]] > 0:
            self.locked[record["Id"]] -= 1
            return [_lock_error(record["Id"])]
        if self.lock_rate and self._random.random() < self.lock_rate:
            return [_lock_error(record["Id"])]
        errors = []
        for name, value in values.items():
            info = self.fields.get(name)
            if info is None:
                errors.append(
                    _error(
                        "INVALID_FIELD",
                        f"No such column '{name}' on sobject of type Opportunity",
                        [name],
                    )
                )
            elif not info.updateable:
                errors.append(
                    _error(
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to create/update fields: {name}. Please check the security "
                        "settings of this field and verify that it is read/write for your "
                        "profile or permission set.",
                        [name],
                    )
                )
            elif info.restricted and value not in (None, "") and value not in info.picklist:
                errors.append(
                    _error(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{info.label}: bad value for restricted picklist field: {value}",
                        [name],
                    )
                )
            elif info.length and isinstance(value, str) and len(value) > info.length:
                errors.append(
                    _error(
                        "STRING_TOO_LONG",
                        f"{info.label}: data value too large: {value[:20]}... "
                        f"(max length={info.length})",
                        [name],
                    )
                )
            elif info.type == "reference" and value and full_id(str(value)) not in self.users:
                errors.append(
                    _error(
                        "INVALID_CROSS_REFERENCE_KEY",
                        f"{info.label}: id value of incorrect type: {value}",
                        [name],
                    )
                )
        if errors:
            return errors
        if self.lock_closed_won and record.get("IsWon"):
            return [
                _error(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    "You cannot update Closed Won Opportunities. Ask Deal Desk.",
                    [],
                )
            ]
        for name, value in values.items():
            info = self.fields[name]
            record[name] = full_id(value) if info.type == "reference" and value else value
        record["LastModifiedById"] = user_id
        record["LastModifiedDate"] = _now()
        return []


def _error(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": fields}


def _lock_error(oid: str) -> dict[str, Any]:
    return _error(
        "UNABLE_TO_LOCK_ROW",
        f"unable to obtain exclusive access to this record or 1 records: {oid}",
        [],
    )


def _now() -> str:
    """A timestamp as the REST API writes one: 2026-11-03T14:05:09.000+0000."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
