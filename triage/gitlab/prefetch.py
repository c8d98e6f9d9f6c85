"""A listing's next page fetched while this one is planned."""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


def fetched_ahead(items: Iterator[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size`, taken from them by a thread of its own while the caller uses
    the list before: a listing's next page is on its way while this one is planned. The thread
    is at most two lists ahead (one waiting, one being taken). What taking them raises is raised
    here, in its turn; a caller that stops early stops the thread."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(value: Any) -> bool:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ready.put(value, timeout=0.1)
                return True
        return False

    def take() -> None:
        try:
            for chunk in iter(lambda: list(itertools.islice(items, size)), []):
                if not hand_over(chunk):
                    return
            hand_over(_DONE)
        except BaseException as error:  # handed to the caller, raised there in its turn
            hand_over(error)

    threading.Thread(target=take, name="triage-listing", daemon=True).start()
    try:
        while (got := ready.get()) is not _DONE:
            if isinstance(got, BaseException):
                raise got
            yield got
    finally:
        stop.set()
