# -*- coding: utf-8 -*-
# Copyright: entra.crosscloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Internal to entra.crosscloud: pacing requests under a per-tenant rate limit (a token bucket).

Graph allows 150 invitations per 5 s per tenant, over a sliding window. The bucket holds `capacity` tokens;
a request takes one per operation before it is sent, and the tokens it took come back `window` seconds
(plus a small margin) after its answer arrived. Two choices keep every request inside the window:
- tokens come back one window after the request that spent them, not at a steady rate: a bucket of 150
  refilled at 30 per second would let 150 go at once and 30 more a second later, 180 within one window;
- the clock starts at the answer, not at the send: the service counted the request somewhere in between,
  so the count stays on the safe side whatever the latency.
A Retry-After from Graph wins: hold() stops every taker until it has passed.

The state lives in a store: in memory for one module run, or a small file (0600, in the 0700 token cache
folder, locked while read and written) so that every task and fork of a playbook run that writes to the same
tenant shares one bucket. The file holds only times and counts; a file that cannot be used means a bucket
in memory, never a failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import time
import uuid

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the bucket stays in memory
    fcntl = None

MARGIN = 0.1     # seconds added to the window: rounding in the service's own clock
STALE = 120.0    # seconds after which tokens taken by a request never answered (a killed fork) come back
POLL = 0.2       # seconds between looks while only requests still in flight hold the tokens


def fresh_state():
    return {"spent": [], "hold": 0.0}


def prune(state, now, stale=STALE):
    """Drop what no longer holds tokens: requests answered and back, and requests in flight for `stale` s."""
    state["spent"] = [e for e in state["spent"]
                      if (e["start"] > now - stale if e["back"] is None else e["back"] > now)]
    return state


def tokens_out(state, now, stale=STALE):
    """Tokens held at `now`: by requests in flight, or answered less than a window ago."""
    return sum(e["n"] for e in prune(state, now, stale)["spent"])


def free_tokens(state, now, capacity, stale=STALE):
    return max(0, capacity - tokens_out(state, now, stale))


def wait_before(state, now, capacity, stale=STALE, poll=POLL):
    """Seconds until a token may be taken: 0 now; the Retry-After hold; the next return; or `poll`
    when only requests still in flight (another fork's) hold the tokens."""
    if state["hold"] > now:
        return state["hold"] - now
    if free_tokens(state, now, capacity, stale) > 0:
        return 0.0
    backs = [e["back"] for e in state["spent"] if e["back"] is not None]
    return min(backs) - now if backs else poll


def reserve(state, now, want, ticket, capacity, stale=STALE, poll=POLL):
    """Take up to `want` tokens (at least one) for the request `ticket`: (taken, 0.0), or (0, seconds to wait)."""
    delay = wait_before(state, now, capacity, stale, poll)
    if delay > 0:
        return 0, delay
    taken = min(want, free_tokens(state, now, capacity, stale))
    state["spent"].append({"ticket": ticket, "n": taken, "start": now, "back": None})
    return taken, 0.0


def answered(state, ticket, back):
    """The request `ticket` was answered: its tokens come back at `back`."""
    for e in state["spent"]:
        if e["ticket"] == ticket:
            e["back"] = back


def held(state, until):
    state["hold"] = max(state["hold"], until)


class MemoryStore:
    """The bucket's state for one process."""

    def __init__(self):
        self.state = fresh_state()

    def update(self, change):
        return change(self.state)


def _valid(state):
    try:
        return (isinstance(state["hold"], (int, float)) and isinstance(state["spent"], list) and
                all(isinstance(e["ticket"], str) and isinstance(e["n"], int) and isinstance(e["start"], (int, float))
                    and (e["back"] is None or isinstance(e["back"], (int, float))) for e in state["spent"]))
    except (KeyError, TypeError):
        return False


class FileStore:
    """The bucket's state in a file shared by the processes that write to one tenant (0600, locked with flock
    while read and changed). Any trouble with the file turns it into a MemoryStore for the rest of the run."""

    def __init__(self, path):
        self.path = path
        self.memory = None if fcntl is not None else MemoryStore()

    def update(self, change):
        if self.memory is not None:
            return self.memory.update(change)
        try:
            return self._update(change)
        except (IOError, OSError):
            self.memory = MemoryStore()
            return self.memory.update(change)

    def _update(self, change):
        directory = os.path.dirname(self.path)
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        os.chmod(directory, 0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = b""
            while True:
                part = os.read(fd, 65536)
                if not part:
                    break
                raw += part
            try:
                state = json.loads(raw.decode("utf-8")) if raw else None
            except ValueError:  # torn by a killed writer: start afresh (Graph's Retry-After covers the rest)
                state = None
            if not _valid(state):
                state = fresh_state()
            result = change(state)
            data = json.dumps(state, separators=(",", ":")).encode("utf-8")
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, data)
            return result
        finally:
            os.close(fd)  # releases the lock


def state_path(directory, base_url, tenant):
    """The shared state file of one tenant's bucket, in `directory` (the token cache folder)."""
    digest = hashlib.sha256(("pace\n%s\n%s" % (base_url.rstrip("/").lower(), str(tenant).lower())).encode("utf-8"))
    return os.path.join(os.path.expanduser(directory), ".pace-" + digest.hexdigest()[:32])


class TokenBucket:
    """capacity operations per window seconds, shared by everything that uses the same store.

        ticket, n = bucket.take(20)    # waits until tokens are free; n in [1, 20]: send n operations
        ...send, read the answer...
        bucket.done(ticket)            # the n tokens come back one window from now
        bucket.hold(retry_after)       # Graph said when to come back: nobody sends before then
    """

    def __init__(self, capacity, window, store=None, margin=MARGIN, clock=time.time, sleep=time.sleep,
                 stale=STALE, poll=POLL):
        if capacity < 1 or window <= 0:
            raise ValueError("a bucket needs capacity >= 1 and window > 0")
        self.capacity = capacity
        self.window = window
        self.margin = margin
        self.store = store if store is not None else MemoryStore()
        self.clock = clock
        self.sleep = sleep
        self.stale = stale
        self.poll = poll
        self.waited = 0.0   # seconds this process slept for tokens

    def take(self, want):
        """Wait until tokens are free, take up to `want` (at least 1, at most capacity): (ticket, taken)."""
        want = max(1, min(int(want), self.capacity))
        ticket = uuid.uuid4().hex[:16]
        while True:
            now = self.clock()
            taken, delay = self.store.update(
                lambda state: reserve(state, now, want, ticket, self.capacity, self.stale, self.poll))
            if taken:
                return ticket, taken
            self.waited += delay
            self.sleep(delay)

    def done(self, ticket):
        """The request that took `ticket`'s tokens was answered (or failed): they come back one window later."""
        back = self.clock() + self.window + self.margin
        self.store.update(lambda state: answered(state, ticket, back))

    def hold(self, seconds):
        """Graph answered 429 with Retry-After: no tokens for anyone until `seconds` from now."""
        until = self.clock() + max(0.0, float(seconds))
        self.store.update(lambda state: held(state, until))
