"""Where `triage render sow --docx OUT` writes: a .docx file, or a folder (a name without a
suffix, made if missing); anything else is refused before a file is touched (a document written as `x.pdf` was overwritten by
its own PDF conversion's clean-up, and any file of that name with it)."""

from __future__ import annotations

from click.testing import CliRunner

from triage.cli import main

from support import ROOT

DATA = "customer: Acme\nline_items:\n  - {activity: Discovery, role: PSE, days: 3}\n"


def render_docx(tmp_path, out, *more):
    data = tmp_path / "acme.yml"
    data.write_text(DATA)
    programs = tmp_path / "bin"
    programs.mkdir(exist_ok=True)
    soffice = programs / "soffice"  # a LibreOffice that loads nothing
    soffice.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 0\n")
    soffice.chmod(0o755)
    args = ["render", "sow", "--policies", str(ROOT / "policies")]
    args += ["--templates", str(ROOT / "templates"), "--data", str(data), "--docx", str(out)]
    return CliRunner().invoke(main, [*args, *more], env={"PATH": str(programs)})


def test_a_docx_path_not_ending_in_docx_is_refused_and_no_file_is_touched(tmp_path):
    out = tmp_path / "signed.pdf"
    out.write_bytes(b"%PDF the customer's signed copy")
    result = render_docx(tmp_path, out, "--pdf")
    assert result.exit_code == 2, result.output
    assert f"--docx {out}: the Word document's file name must end in .docx" in result.output
    assert out.read_bytes() == b"%PDF the customer's signed copy"


def test_a_docx_in_a_folder_that_does_not_exist_yet_is_written_there(tmp_path):
    out = tmp_path / "missing" / "acme.docx"
    result = render_docx(tmp_path, out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"PK") and f"wrote {out}" in result.output


def test_a_docx_under_a_file_is_a_clear_error_and_the_file_is_kept(tmp_path):
    blocker = tmp_path / "notes"
    blocker.write_text("the EM's notes")
    result = render_docx(tmp_path, blocker / "acme.docx")
    assert result.exit_code == 1, result.output
    assert f"{blocker / 'acme.docx'}: cannot write it" in result.output
    assert "Traceback" not in result.output
    assert blocker.read_text() == "the EM's notes"


def test_an_existing_docx_is_replaced_by_the_new_document(tmp_path):
    out = tmp_path / "acme.docx"
    out.write_bytes(b"an older draft")
    result = render_docx(tmp_path, out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"PK") and f"wrote {out}" in result.output
