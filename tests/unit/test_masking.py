"""Masking a secret in every form it can be printed in, on streams written in pieces."""

import io
import json
import logging

from triage.masking import MASK, MaskedStream, Masker, forms, masked_output

SECRET = "glpat-a+b/c=d~e"


def test_every_printable_form_is_masked():
    mask = Masker([SECRET + "\r\n"])
    for shown in (
        SECRET,
        repr(SECRET + "\r\n")[1:-1],
        repr((SECRET + "\r\n").encode())[2:-1],
        json.dumps(SECRET + "\r\n")[1:-1],
        "glpat-a%2Bb%2Fc%3Dd~e",
        "glpat-a%2bb%2fc%3dd~e",
        "glpat-a%2Bb/c%3Dd~e",
        "glpat-a%2Bb%2Fc%3Dd%7Ee",
        "glpat%2Da%2Bb%2Fc%3Dd%7Ee",
    ):
        assert mask(f"before {shown} after") == f"before {MASK} after", shown
    assert mask("nothing secret here") == "nothing secret here"


def test_short_values_are_not_masked():
    assert forms("abc") == set() and not Masker(["", None, "ab"])


def test_a_secret_written_in_pieces_is_masked():
    out = io.StringIO()
    stream = MaskedStream(out, Masker([SECRET]))
    for piece in ("token: ", SECRET[:5], SECRET[5:], "\nnext ", "line"):
        stream.write(piece)
    assert out.getvalue() == f"token: {MASK}\n"
    stream.flush()
    assert out.getvalue() == f"token: {MASK}\nnext line"


def test_logging_records_are_masked_whatever_handler_writes_them():
    written = io.StringIO()
    handler = logging.StreamHandler(written)  # made before masking began, on a plain stream
    logger = logging.getLogger("test_masking")
    logger.addHandler(handler)
    try:
        with masked_output([SECRET]):
            logger.warning("token %s and %r", SECRET, SECRET.encode())
            try:
                raise ValueError(SECRET)
            except ValueError:
                logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert SECRET not in written.getvalue() and SECRET[6:] not in written.getvalue()
    assert f"token {MASK} and b'{MASK}'" in written.getvalue()
    assert f"ValueError: {MASK}" in written.getvalue()
