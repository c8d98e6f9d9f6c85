"""A fake Salesforce on loopback, over TLS (simple-salesforce speaks only https), for tests and
the demo. The routes, each as Salesforce's documentation describes it:

- `POST /services/oauth2/token`: the OAuth 2.0 JWT bearer flow (`grant_type=urn:ietf:params:
  oauth:grant-type:jwt-bearer`, an RS256 assertion with `iss` the consumer key, `sub` the
  username, `aud` the login host, `exp` a few minutes ahead) and the client credentials flow
  (`grant_type=client_credentials`, the consumer key and secret in HTTP Basic or the body, the
  app's run-as user). Answers `access_token`, `instance_url`, `id`, `token_type`, `issued_at`;
  a refusal is `400 {"error": "invalid_grant", "error_description": ...}` ("OAuth 2.0 JWT Bearer
  Flow for Server-to-Server Integration", "OAuth 2.0 Client Credentials Flow").
- `GET /services/data/vXX.X/sobjects/Opportunity/describe` ("sObject Describe").
- `GET|PATCH /services/data/vXX.X/sobjects/Opportunity/:id` ("sObject Rows": PATCH answers 204).
- `PATCH /services/data/vXX.X/composite/sobjects` ("sObject Collections: Update Records": at most
  200 records, `allOrNone`, one result per record, in order).
- `GET /services/data/vXX.X/query?q=` ("Query"): `SELECT fields FROM Opportunity|User [WHERE
  Id IN ('...')| WHERE Email IN ('...')]`, the subset a sync needs.
- `GET /services/data/vXX.X/limits` ("Limits": `DailyApiRequests` Max and Remaining).
Every API answer carries `Sforce-Limit-Info: api-usage=USED/MAX` ("Limits Info Header"); past
the daily allowance every call is `403 REQUEST_LIMIT_EXCEEDED`; a missing or unknown session is
`401 INVALID_SESSION_ID`. Errors are JSON arrays of `{message, errorCode, fields}`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .org import Org, full_id

_API = re.compile(r"^/services/data/v(?P<version>\d+\.\d)/(?P<rest>.*)$")
_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>[\w\s,.]+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<key>\w+)\s+IN\s*\((?P<values>[^)]*)\))?\s*$",
    re.IGNORECASE,
)
_LITERAL = re.compile(r"\s*'((?:[^'\\]|\\.)*)'\s*(?:,|$)")
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LOWEST_VERSION = 31.0  # older versions are retired: 410 in real orgs


class Answer(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers or {}


def _errors(status: int, code: str, message: str, fields: list[str] | None = None) -> Answer:
    return Answer(status, [{"message": message, "errorCode": code, "fields": fields or []}])


class FakeSalesforce:
    """The org behind a TLS server on loopback. Use as a context manager, or start()/stop().
    `ca_file`: the certificate authority clients must trust (REQUESTS_CA_BUNDLE or `verify=`)."""

    def __init__(
        self,
        org: Org | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        certs_dir: Path | None = None,
    ) -> None:
        import tempfile

        import trustme

        self.org = org or Org()
        self._dir = certs_dir or Path(tempfile.mkdtemp(prefix="fake-salesforce-"))
        ca = trustme.CA()
        cert = ca.issue_cert(host, "localhost")
        self.ca_file = self._dir / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert.configure_cert(context)
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://{host}:{self.httpd.server_address[1]}"
        self.org.instance_url = self.url
        self._thread: threading.Thread | None = None

    def start(self) -> FakeSalesforce:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeSalesforce:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # the routes -------------------------------------------------------------------------

    def token(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict[str, Any]:
        org = self.org
        grant = form.get("grant_type", "")
        if grant == JWT_GRANT:
            user_id = self._jwt_user(form.get("assertion", ""))
        elif grant == "client_credentials":
            key, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
            client = org.clients.get(key)
            if (
                client is None
                or client.secret is None
                or not secrets.compare_digest(client.secret, secret)
            ):
                raise Answer(
                    400,
                    {"error": "invalid_client", "error_description": "invalid client credentials"},
                )
            if not client.run_as:
                raise Answer(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": "no client credentials user enabled",
                    },
                )
            user_id = client.run_as
        else:
            raise Answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
            )
        user = org.users.get(user_id)
        if user is None or not user.active:
            raise Answer(400, {"error": "invalid_grant", "error_description": "user is not active"})
        access = f"{org.org_id[:15]}!{secrets.token_urlsafe(24)}"
        with org.lock:
            org.tokens[access] = user.id
        return {
            "access_token": access,
            "instance_url": self.url,
            "id": f"{self.url}/id/{org.org_id}/{user.id}",
            "token_type": "Bearer",
            "issued_at": str(int(time.time() * 1000)),
            "scope": "api",
        }

    def _jwt_user(self, assertion: str) -> str:
        import jwt

        refused = Answer(400, {"error": "invalid_grant", "error_description": "invalid assertion"})
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise refused from None
        client = self.org.clients.get(str(unverified.get("iss")))
        if client is None or client.public_key_pem is None:
            raise Answer(
                400,
                {"error": "invalid_client_id", "error_description": "client identifier invalid"},
            )
        try:
            claims = jwt.decode(
                assertion,
                client.public_key_pem,
                algorithms=["RS256"],
                audience=["https://login.salesforce.com", "https://test.salesforce.com", self.url],
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Answer(
                400, {"error": "invalid_grant", "error_description": "expired authorization code"}
            ) from None
        except jwt.PyJWTError:
            raise refused from None
        user = next((u for u in self.org.users.values() if u.username == claims["sub"]), None)
        if user is None:
            raise Answer(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "user hasn't approved this consumer",
                },
            )
        return user.id

    def api(self, method: str, rest: str, query: dict[str, list[str]], body: Any, user: str) -> Any:
        org = self.org
        rest = rest.rstrip("/")  # `query/` and `query` alike (simple-salesforce sends the first)
        org.calls[f"{method} {re.sub(r'/[0-9A-Za-z]{15,18}$', '/:id', rest)}"] += 1
        if rest == "limits" and method == "GET":
            return {
                "DailyApiRequests": {"Max": org.daily_max, "Remaining": org.daily_max - org.used}
            }
        if rest == "sobjects/Opportunity/describe" and method == "GET":
            return {
                "name": "Opportunity",
                "label": "Opportunity",
                "updateable": True,
                "fields": [f.describe() for f in org.fields.values()],
            }
        if rest == "query" and method == "GET":
            return self._query((query.get("q") or [""])[-1])
        row = re.fullmatch(r"sobjects/Opportunity/(?P<id>\w+)", rest)
        if row and method == "GET":
            record = (
                org.opportunities.get(full_id(row["id"])) if len(row["id"]) in (15, 18) else None
            )
            if record is None:
                raise _errors(404, "NOT_FOUND", "The requested resource does not exist")
            return _shown(record, list(record))
        if row and method == "PATCH":
            errors = org.write(row["id"], dict(body or {}), user)
            if errors:
                raise Answer(
                    400,
                    [
                        {
                            "message": e["message"],
                            "errorCode": e["statusCode"],
                            "fields": e["fields"],
                        }
                        for e in errors
                    ],
                )
            return None
        if rest == "composite/sobjects" and method == "PATCH":
            return self._collection(body, user)
        raise _errors(404, "NOT_FOUND", "The requested resource does not exist")

    def _collection(self, body: Any, user: str) -> list[dict[str, Any]]:
        records = (body or {}).get("records")
        if not isinstance(records, list):
            raise _errors(400, "JSON_PARSER_ERROR", "records: a list is required")
        if len(records) > 200:
            raise _errors(
                400,
                "EXCEEDED_ID_LIMIT",
                "record limit reached. cannot submit more than 200 records into this call",
            )
        all_or_none = bool(body.get("allOrNone"))
        results = []
        with self.org.lock:
            for record in records:
                values = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
                oid = str(record.get("id") or record.get("Id") or "")
                errors = self.org.write(oid, values, user)
                # a failed record's result names no id (the guide's "Update Records" example)
                results.append(
                    {"success": False, "errors": errors}
                    if errors
                    else {"id": full_id(oid), "success": True, "errors": []}
                )
                if errors and all_or_none:
                    break
        return results

    def _query(self, soql: str) -> dict[str, Any]:
        match = _SOQL.match(soql)
        if not match:
            raise _errors(400, "MALFORMED_QUERY", f"unexpected token: {soql[:40]}")
        names = [n.strip() for n in match["fields"].split(",") if n.strip()]
        obj = match["object"]
        if obj == "Opportunity":
            rows = list(self.org.opportunities.values())
            known = set(self.org.fields)
        elif obj == "User":
            rows = [
                {
                    "Id": u.id,
                    "Username": u.username,
                    "Email": u.email,
                    "Name": u.name,
                    "IsActive": u.active,
                }
                for u in self.org.users.values()
            ]
            known = {"Id", "Username", "Email", "Name", "IsActive"}
        else:
            raise _errors(400, "INVALID_TYPE", f"sObject type '{obj}' is not supported.")
        for name in names:
            if name not in known:
                raise _errors(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj}'.")
        if match["key"]:
            key = match["key"]
            values = _LITERAL.findall(match["values"])
            if key == "Id":
                for value in values:
                    if not re.fullmatch(r"[0-9A-Za-z]{15}([0-9A-Za-z]{3})?", value):
                        raise _errors(
                            400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value}"
                        )
                wanted = {full_id(v) for v in values}
                rows = [r for r in rows if r["Id"] in wanted]
            elif key in known:
                rows = [r for r in rows if str(r.get(key)) in values]
            else:
                raise _errors(400, "INVALID_FIELD", f"No such column '{key}' on entity '{obj}'.")
        records = [_shown(r, names, obj) for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}


def _shown(record: dict[str, Any], names: list[str], obj: str = "Opportunity") -> dict[str, Any]:
    out: dict[str, Any] = {
        "attributes": {"type": obj, "url": f"/services/data/v64.0/sobjects/{obj}/{record['Id']}"}
    }
    out.update({n: record.get(n) for n in names})
    return out


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSalesforce
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        headers: dict[str, str] = {}
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            if parts.path == "/services/oauth2/token" and method == "POST":
                form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
                status, body = 200, self.fake.token(form, _basic(self.headers.get("Authorization")))
            else:
                status, body, headers = self._api(method, parts.path, parse_qs(parts.query), raw)
        except Answer as answer:
            status, body, headers = answer.status, answer.body, {**headers, **answer.headers}
        self._send(status, body, headers)

    def _api(
        self, method: str, path: str, query: dict[str, list[str]], raw: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        org = self.fake.org
        match = _API.match(path)
        if not match:
            raise _errors(404, "NOT_FOUND", "The requested resource does not exist")
        if float(match["version"]) < LOWEST_VERSION:
            raise _errors(410, "API_DISABLED_FOR_ORG", "API version is retired")
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        user = org.tokens.get(token)
        if user is None:
            raise _errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        with org.lock:
            if org.used >= org.daily_max:
                raise Answer(
                    403,
                    [
                        {
                            "message": "TotalRequests Limit exceeded.",
                            "errorCode": "REQUEST_LIMIT_EXCEEDED",
                            "fields": [],
                        }
                    ],
                    {"Sforce-Limit-Info": f"api-usage={org.used}/{org.daily_max}"},
                )
            org.used += 1
            limit = {"Sforce-Limit-Info": f"api-usage={org.used}/{org.daily_max}"}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise _errors(400, "JSON_PARSER_ERROR", "the body is not JSON") from None
        try:
            answer = self.fake.api(method, match["rest"], query, body, user)
        except Answer as refused:
            refused.headers.update(limit)
            raise
        return (204 if answer is None else 200), answer, limit

    def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = b"" if status == 204 else json.dumps(body).encode()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _basic(value: str | None) -> tuple[str, str] | None:
    if not value or not value.startswith("Basic "):
        return None
    try:
        key, _, secret = base64.b64decode(value[6:]).decode().partition(":")
    except ValueError:
        return None
    return key, secret
