"""The token leaves the process environment at start, and a token GitLab could never have issued
is a usage error.

Each test runs the real `triage` command in a subprocess (as test_token_leaks.py does): only
there does the command start from an environment holding the token, as a CI job does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_token_leaks import TOKEN, triage

# The credentials a CI job holds besides the bot's token, each of which `triage` takes out of
# its environment (triage/credentials.py).
CI_CREDENTIALS = {
    "GITLAB_READ_TOKEN": "glpat-Read+Only/tok=3~r",
    "CI_JOB_TOKEN": "glcbt-64_JobTok3nValue",
    "CI_REPOSITORY_URL": "https://gitlab-ci-token:glcbt-64_JobTok3nValue@gitlab.example.com/ps/ops.git",
    "CI_REGISTRY_PASSWORD": "glcbt-64_JobTok3nValue",
    "SF_CLIENT_SECRET": "sf-Consumer+Secret/9f8e=7d",
    "SF_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----",
    "TRIAGE_WEBHOOK_SECRET": "whsec-Serve+Secret/4a=9",
    "TRIAGE_WEBHOOK_SECRET_PREVIOUS": "whsec-Old+Secret/1b=2",
}

# A LibreOffice stand-in that notes what it can read of the process that started it (its
# parent's initial environment, as Linux keeps it) and of its own, then makes the PDF.
SOFFICE = """#!/bin/sh
cat /proc/$PPID/environ > "{parent}"
env > "{own}"
while [ $# -gt 0 ]; do
  case "$1" in --outdir) shift; out="$1";; *.docx) doc="$1";; esac
  shift
done
name=${{doc##*/}}
printf '%%PDF-1.7\\n%%%%EOF\\n' > "$out/${{name%.docx}}.pdf"
"""


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux's /proc shows it")
def test_a_program_libreoffice_starts_cannot_read_the_token_from_the_run(tmp_path):
    parent, own = tmp_path / "parent-environ", tmp_path / "own-environ"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    soffice = bin_dir / "soffice"
    soffice.write_text(SOFFICE.format(parent=parent, own=own))
    soffice.chmod(0o755)
    deal = tmp_path / "deal.yml"
    deal.write_text("customer: Acme\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n")
    run = triage(
        tmp_path,
        ["render", "sow", "--data", str(deal), "--docx", str(tmp_path / "out"), "--pdf"],
        "http://127.0.0.1:9",
        TOKEN,
        environment={"PATH": f"{bin_dir}:/usr/bin:/bin", **CI_CREDENTIALS},
    )
    assert run.code == 0, run.output
    assert list((tmp_path / "out").glob("*.pdf")), run.output
    seen = parent.read_bytes()
    assert b"PATH=" in seen  # the stand-in did read its parent's environment
    for secret in (TOKEN, *CI_CREDENTIALS.values()):
        assert secret.encode() not in seen, secret
        assert secret not in own.read_text()


@pytest.mark.parametrize(
    "pasted", ["glpat-€uro+Tok/en=1", "glpat-日本語トークン", "glpat-Ümlaut/x=2"]
)
def test_a_token_that_is_not_ascii_is_a_usage_error_that_never_shows_it(tmp_path, pasted):
    run = triage(tmp_path, ["plan"], "http://127.0.0.1:9", pasted)
    assert run.code == 2, run.output
    assert "GITLAB_TOKEN has a character that is not ASCII" in run.output
    assert "Traceback" not in run.output
    assert run.leaks(pasted) == []
