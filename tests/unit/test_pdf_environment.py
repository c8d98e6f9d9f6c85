"""LibreOffice is a program the run starts on the runner: it gets where programs, home, fonts and
temporary files are and the language, never the GitLab token or the CI's other variables."""

from __future__ import annotations

from triage import pdf


def test_libreoffice_is_not_given_the_token_or_the_ci_variables(tmp_path, monkeypatch):
    document = tmp_path / "acme.docx"
    document.write_bytes(b"PK")
    seen = tmp_path / "environment"
    soffice = tmp_path / "soffice"  # a stand-in that converts, and notes what it was given
    soffice.write_text(f"#!/bin/sh\nenv > {seen}\necho '%PDF-1.7' > {tmp_path}/acme.pdf\n")
    soffice.chmod(0o755)
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-secret-value-123")
    monkeypatch.setenv("CI_JOB_TOKEN", "job-token-456")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    made, why = pdf.convert_to_pdf(document, str(soffice))
    assert made == tmp_path / "acme.pdf", why
    given = seen.read_text()
    assert "glpat-secret-value-123" not in given and "job-token-456" not in given
    assert "LANG=de_DE.UTF-8" in given and "PATH=" in given
