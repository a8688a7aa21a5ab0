# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wait loop of this collection's modules (cluster_info, kube_apply, kube_health,
node_join_wait, pod_wait), and the deadline it keeps. No Ansible imports, no third-party ones.

Times are seconds (float) of a monotonic clock (``time.monotonic``), so a wall clock set back
or forth by NTP during a wait neither shortens nor stretches it. Clock and sleep are
parameters, so tests run a 120 s wait in no time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import time

#: What :func:`poll` returns: the last ``state``, the seconds spent and the number of attempts.
Polled = collections.namedtuple("Polled", ["state", "elapsed", "attempts"])


class PollTimeout(Exception):
    """The wait ran out of time; ``state`` is what the last attempt saw.

    ``elapsed`` (seconds) and ``attempts`` as in :data:`Polled`; ``str()`` says how long.
    """

    def __init__(self, state, elapsed, attempts):
        super(PollTimeout, self).__init__("gave up after %.1f s and %d attempts" % (elapsed, attempts))
        self.state = state
        self.elapsed = elapsed
        self.attempts = attempts


class Deadline(object):
    """A point ``timeout`` seconds after its creation on ``clock`` (default ``time.monotonic``)."""

    def __init__(self, timeout, clock=None):
        self.clock = clock or time.monotonic
        self.start = self.clock()
        self.at = self.start + timeout

    def remaining(self):
        """Seconds left (float, never negative)."""
        return max(self.at - self.clock(), 0.0)

    def expired(self):
        """True once the deadline has passed."""
        return self.clock() >= self.at

    def elapsed(self):
        """Seconds since the creation (float)."""
        return self.clock() - self.start


def poll(attempt, timeout, interval, clock=None, sleep=None):
    """Call ``attempt(remaining)`` until it says it is done or ``timeout`` seconds have passed.

    :param attempt: called with the seconds left (float, >= 0; e.g. to cap a request's own
        timeout) and returns ``(done, state)``; whatever it raises ends the wait at once (a
        failure that waiting cannot mend, e.g. a denied CSR).
    :param timeout: seconds the whole wait may take; the first attempt is always made, and
        one is made at the deadline itself (sleeps are cut short to meet it).
    :param interval: seconds between the end of one attempt and the start of the next.
    :param clock: a monotonic clock in seconds (default ``time.monotonic``).
    :param sleep: sleeps the given seconds (default ``time.sleep``).
    :returns: :data:`Polled` with the state of the attempt that was done.
    :raises PollTimeout: carrying the state of the last attempt.
    """
    sleep = sleep or time.sleep
    deadline = Deadline(timeout, clock)
    attempts = 0
    while True:
        attempts += 1
        done, state = attempt(deadline.remaining())
        if done:
            return Polled(state, deadline.elapsed(), attempts)
        left = deadline.remaining()
        if left <= 0:
            raise PollTimeout(state, deadline.elapsed(), attempts)
        sleep(min(interval, left))
