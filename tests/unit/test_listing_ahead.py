"""A listing's pages are taken by a thread of their own while the run plans the page before."""

import threading
import time

import pytest

from triage.gitlab.prefetch import Ahead


def test_items_come_in_order_in_lists_of_the_page_size():
    assert list(Ahead(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(Ahead(iter(()), 3)) == []


def test_the_next_page_is_taken_while_this_one_is_used():
    taken = threading.Event()

    def items():
        yield from range(3)
        taken.set()  # the second page's first item is being taken
        yield from range(3, 6)

    pages = iter(Ahead(items(), 3))
    assert next(pages) == [0, 1, 2]
    assert taken.wait(timeout=5)  # without asking for the second page
    assert list(pages) == [[3, 4, 5]]


def test_a_failure_is_raised_after_the_pages_before_it():
    def items():
        yield from range(3)
        raise ConnectionError("gone")

    pages = iter(Ahead(items(), 3))
    assert next(pages) == [0, 1, 2]
    with pytest.raises(ConnectionError, match="gone"):
        next(pages)


def test_a_caller_that_stops_early_stops_the_thread():
    def endless():
        n = 0
        while True:
            yield n
            n += 1

    before = set(threading.enumerate())
    pages = iter(Ahead(endless(), 2))
    assert next(pages) == [0, 1]
    (reader,) = set(threading.enumerate()) - before
    pages.close()
    reader.join(timeout=5)
    assert not reader.is_alive()


def test_pages_asked_ahead_are_taken_before_the_first_is_asked_for_up_to_a_bound():
    """`Ahead` starts at once: a run asks for its listing before it loads its code, and finds
    the pages there; at most `ahead` + 1 are taken before any is used."""
    taken = []
    done = threading.Event()

    def items():
        for n in range(20):
            taken.append(n)
            if n == 5:
                done.set()
            yield n

    pages = Ahead(items(), 2, ahead=2)
    assert done.wait(timeout=5)  # three pages of two, without asking for one
    time.sleep(0.3)  # the thread waits with its pages: it takes no more
    assert taken == list(range(6))
    assert list(pages) == [[2 * n, 2 * n + 1] for n in range(10)]


def test_pages_asked_ahead_that_nobody_takes_stop_when_closed():
    before = set(threading.enumerate())
    pages = Ahead(iter(range(100)), 2, ahead=1)
    (reader,) = set(threading.enumerate()) - before
    pages.close()
    reader.join(timeout=5)
    assert not reader.is_alive()
