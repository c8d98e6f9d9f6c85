"""A fake Salesforce org on loopback over TLS, for the Salesforce sync's tests and the demo
(`pip install 'ps-triage[salesforce]'`)."""

from .org import Client, FieldInfo, Org, User, full_id
from .server import FakeSalesforce

__all__ = ["Client", "FakeSalesforce", "FieldInfo", "Org", "User", "full_id"]
