"""A listing's next pages fetched while this one is planned, or while the run starts."""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class Ahead(Generic[T]):
    """`items` in lists of `size`, taken from them by a thread of its own, started at once:
    while the caller uses one list (or, before asking for the first, loads what it needs), the
    next are on their way. The thread is at most `ahead` + 1 lists ahead (`ahead` waiting, one
    being taken). What taking them raises is raised to the caller, in its turn. A caller that
    stops early, or never asks (`close`), stops the thread."""

    def __init__(self, items: Iterator[T], size: int, ahead: int = 1) -> None:
        self._ready: queue.Queue[Any] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()

        def take() -> None:
            try:
                for chunk in iter(lambda: list(itertools.islice(items, size)), []):
                    if not self._hand_over(chunk):
                        return
                self._hand_over(_DONE)
            except BaseException as error:  # handed to the caller, raised there in its turn
                self._hand_over(error)

        threading.Thread(target=take, name="triage-listing", daemon=True).start()

    def _hand_over(self, value: Any) -> bool:
        while not self._stop.is_set():
            with contextlib.suppress(queue.Full):
                self._ready.put(value, timeout=0.1)
                return True
        return False

    def __iter__(self) -> Iterator[list[T]]:
        try:
            while (got := self._ready.get()) is not _DONE:
                if isinstance(got, BaseException):
                    raise got
                yield got
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
