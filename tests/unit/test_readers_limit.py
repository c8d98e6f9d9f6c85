"""How many reads a run keeps in flight: more while GitLab answers them at once, fewer as soon
as its answers queue, never outside the floor and the cap; a fixed number stays fixed."""

import threading
import time

import pytest

from triage.gitlab.readers import CAP, FLOOR, START, Readers, next_limit


@pytest.mark.parametrize(
    ("limit", "usual", "expected"),
    [
        (8, 0.030, 9),  # as fast as the fastest: none waited, one more
        (8, 0.034, 9),  # 0.9 waited
        (8, 0.040, 8),  # 2 waited: as it is
        (8, 0.060, 5),  # 4 waited: the 4 that would not have, plus one
        (16, 0.300, 3),  # ten times slower: 2 would not have waited, plus one
        (3, 0.300, FLOOR),
        (CAP, 0.030, CAP),
    ],
)
def test_the_limit_follows_how_many_reads_waited(limit, usual, expected):
    assert next_limit(limit, 0.030, usual, FLOOR, CAP) == expected


class Gitlab:
    """A GitLab `network` seconds away whose `workers` each take `work` seconds a request: with
    more requests in flight than workers, each also waits its turn."""

    def __init__(self, network, work, workers=None):
        self.network, self.work, self.workers = network, work, workers

    def answer(self, in_flight):
        turns = 1 if self.workers is None else max(1, in_flight / self.workers)
        return self.network + self.work * turns


def settle(readers, gitlab, reads=2_000):
    """The limits `readers` goes through while `reads` reads are answered, in flight as it allows
    (the run's first requests, one at a time, were answered as fast as this GitLab can)."""
    seen = []
    for _ in range(reads):
        readers.answered(gitlab.answer(readers.limit), fastest=gitlab.answer(1))
        seen.append(readers.limit)
    return seen


def test_far_from_an_idle_gitlab_it_reads_up_to_the_cap():
    readers = Readers()
    seen = settle(readers, Gitlab(network=0.030, work=0.002))
    assert seen[0] == START and seen[-1] == CAP == readers.most
    assert seen == sorted(seen)  # it only ever grew


def test_a_gitlab_with_few_workers_gets_about_as_many_reads_as_it_has_workers():
    readers = Readers()
    seen = settle(readers, Gitlab(network=0.001, work=0.030, workers=4))
    assert readers.most == START  # it never grew
    assert set(seen[-500:]) <= {4, 5, 6}  # the workers busy, one or two waiting at most


def test_a_gitlab_that_slows_down_later_gets_fewer_reads():
    readers = Readers()
    settle(readers, Gitlab(network=0.030, work=0.002), reads=500)
    assert readers.limit == CAP
    seen = settle(readers, Gitlab(network=0.030, work=0.030, workers=2), reads=500)
    assert seen[-1] <= 4


def test_a_fixed_number_of_readers_stays_fixed():
    readers = Readers.fixed(3)
    assert not readers.adaptive
    seen = settle(readers, Gitlab(network=0.030, work=0.002), reads=100)
    assert set(seen) == {3} and readers.most == 3
    assert str(readers) == "3"


def test_the_limit_needs_the_floor_below_the_start_below_the_cap():
    with pytest.raises(ValueError, match="readers"):
        Readers(start=20, floor=2, cap=16)


def most_at_once(readers, reads=6):
    """The most of `reads` reads, each 50 ms and started at once, that held a turn together."""
    lock = threading.Lock()
    running, peak = [0], [0]

    def read():
        with readers.turn():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=read) for _ in range(reads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return peak[0]


def test_no_more_turns_are_taken_at_once_than_the_limit_and_a_raised_limit_lets_more_go():
    readers = Readers(start=2, floor=2, cap=3)
    assert most_at_once(readers) == 2
    for _ in range(2):  # a window of two answers as fast as the fastest: one reader more
        readers.answered(0.01)
    assert readers.limit == 3
    assert most_at_once(readers) == 3
