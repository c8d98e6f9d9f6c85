"""A Word document in a script no installed font draws gets no PDF of boxes: the PDF is skipped
with why and the package to install (issue 33.10)."""

import io
from pathlib import Path

import docx

from triage.pdf import convert_to_pdf, missing_fonts

NO_FONT = "#!/bin/sh\nexit 0\n"  # fc-list that finds no font for the language asked
A_FONT = "#!/bin/sh\necho 'Noto Sans CJK KR'\n"
SOFFICE = '#!/bin/sh\necho called >> "{calls}"\n'


def script(path: Path, text: str) -> str:
    path.write_text(text)
    path.chmod(0o755)
    return str(path)


def document(folder: Path, text: str) -> Path:
    made = docx.Document()
    made.add_paragraph(text)
    out = io.BytesIO()
    made.save(out)
    path = folder / "SoW.docx"
    path.write_bytes(out.getvalue())
    return path


def test_korean_text_without_a_korean_font_is_named_with_the_package(tmp_path):
    korean = document(tmp_path, "작업 명세서")
    fc_list = script(tmp_path / "fc-list", NO_FONT)
    assert missing_fonts(korean, fc_list) == (
        "no font on the runner draws the Korean text of SoW.docx (its PDF would show boxes); "
        "install one (Debian: apt-get install fonts-noto-cjk)"
    )
    assert missing_fonts(korean, script(tmp_path / "fc-list-ko", A_FONT)) == ""
    assert missing_fonts(document(tmp_path, "Statement of Work"), fc_list) == ""


def test_the_pdf_is_skipped_before_libreoffice_starts(tmp_path, monkeypatch):
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    script(bin_ / "fc-list", NO_FONT)
    calls = tmp_path / "calls"
    soffice = script(bin_ / "soffice", SOFFICE.format(calls=calls))
    monkeypatch.setenv("PATH", str(bin_))
    pdf, why = convert_to_pdf(document(tmp_path, "서울 로보틱스"), soffice)
    assert pdf is None and why.startswith("no font on the runner draws the Korean text")
    assert not calls.exists()
