"""How the `triage` process ends: at once, once its command is done and its output flushed.

A run's last step was the interpreter's own: freeing, one by one, every object the run made
and every module it loaded, ~80 ms after a settled 3,000-issue run (a tenth of it), for memory
the system takes back anyway. As mypy does (`util.hard_exit`), the process ends without it
(`os._exit`) once nothing is left to do: its output flushed, its log handlers closed, and no
thread but daemons left running. Otherwise it ends as Python ends any program."""

from __future__ import annotations

import logging
import os
import sys
import threading


def done(code: int) -> None:
    """End the process with `code` if nothing is left to finish; else return (the caller exits
    as usual)."""
    main = threading.main_thread()
    if any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate()):
        return  # a thread still working: the interpreter waits for it, as always
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except Exception:  # a closed pipe, a full disk: the interpreter's usual exit says so
        return
    logging.shutdown()
    os._exit(code)
