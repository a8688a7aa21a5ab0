# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_poll.py, the one wait loop, on a fake clock."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import Deadline, PollTimeout, poll


class FakeTime:
    """A clock that only moves when slept on, or when an attempt says it took time."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_done_at_once_returns_state_without_sleeping():
    t = FakeTime()
    polled = poll(lambda remaining: (True, "ok"), 10, 1, clock=t.clock, sleep=t.sleep)
    assert polled == ("ok", 0.0, 1)
    assert t.sleeps == []


def test_keeps_trying_every_interval_until_done():
    t = FakeTime()
    seen = []

    def attempt(remaining):
        seen.append(remaining)
        return len(seen) == 4, len(seen)

    polled = poll(attempt, 10, 0.5, clock=t.clock, sleep=t.sleep)
    assert polled.state == 4 and polled.attempts == 4 and polled.elapsed == pytest.approx(1.5)
    assert t.sleeps == [0.5, 0.5, 0.5]
    assert seen == [10, 9.5, 9.0, 8.5]  # each attempt knows how much time is left


def test_timeout_carries_the_last_state_and_tries_once_at_the_deadline():
    t = FakeTime()
    states = iter(range(100))

    def attempt(remaining):
        return False, dict(seen=next(states), remaining=remaining)

    with pytest.raises(PollTimeout) as info:
        poll(attempt, 2.5, 1, clock=t.clock, sleep=t.sleep)
    # attempts at 0, 1, 2 and 2.5 s: the last sleep is cut short to meet the deadline
    assert t.sleeps == [1, 1, 0.5]
    assert info.value.state == dict(seen=3, remaining=0.0)
    assert info.value.attempts == 4 and info.value.elapsed == pytest.approx(2.5)
    assert "2.5 s and 4 attempts" in str(info.value)


def test_a_slow_attempt_uses_up_the_time():
    t = FakeTime()

    def attempt(remaining):
        t.now += 7  # e.g. a request that took its whole timeout
        return False, remaining

    with pytest.raises(PollTimeout) as info:
        poll(attempt, 10, 1, clock=t.clock, sleep=t.sleep)
    assert info.value.attempts == 2 and info.value.state == 2.0
    assert t.sleeps == [1]


def test_zero_timeout_tries_exactly_once():
    t = FakeTime()
    with pytest.raises(PollTimeout) as info:
        poll(lambda remaining: (False, "x"), 0, 1, clock=t.clock, sleep=t.sleep)
    assert info.value.attempts == 1 and t.sleeps == []


def test_an_exception_ends_the_wait_at_once():
    t = FakeTime()

    def attempt(remaining):
        raise ValueError("CSR denied")

    with pytest.raises(ValueError, match="CSR denied"):
        poll(attempt, 10, 1, clock=t.clock, sleep=t.sleep)
    assert t.sleeps == []


def test_deadline():
    t = FakeTime()
    deadline = Deadline(5, clock=t.clock)
    assert deadline.remaining() == 5 and not deadline.expired() and deadline.elapsed() == 0
    t.now += 6
    assert deadline.remaining() == 0 and deadline.expired() and deadline.elapsed() == 6


def test_real_clock_default():
    polled = poll(lambda remaining: (True, remaining), 1, 0.01)
    assert 0 < polled.state <= 1 and polled.attempts == 1
