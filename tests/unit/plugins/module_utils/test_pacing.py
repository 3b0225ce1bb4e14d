"""The invitation bucket's arithmetic: 150 per 5 s over a sliding window, tokens back one window after the answer."""

import json
import os
import stat

import pytest

from ansible_collections.entra.crosscloud.plugins.module_utils import guests as gu
from ansible_collections.entra.crosscloud.plugins.module_utils import pacing


class Clock:
    """A fake clock: sleep() moves it on; `latency` is how long each request takes to be answered."""

    def __init__(self, start=1000.0):
        self.now = start
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def bucket(clock, store=None, margin=0.0):
    return pacing.TokenBucket(150, 5.0, store=store, margin=margin, clock=clock, sleep=clock.sleep)


def send_all(b, clock, n, latency=0.05, chunk=20):
    """Send n operations in requests of at most `chunk`: [(time the service counts them, how many)]."""
    sent = []
    while n:
        ticket, taken = b.take(min(chunk, n))
        clock.now += latency / 2
        sent.append((clock.now, taken))        # the service counts the request half-way through
        clock.now += latency / 2
        b.done(ticket)
        n -= taken
    return sent


def most_in_any_window(sent, window=5.0):
    """The largest count the service's sliding window (an entry leaves `window` s after it came) ever sees."""
    return max(sum(n for t, n in sent if start - window < t <= start) for start, _n in sent)


def test_a_full_bucket_sends_150_at_once_then_waits_a_window_from_the_answer():
    clock = Clock()
    b = bucket(clock)
    taken = [b.take(20) for _chunk in range(7)]
    assert [n for _t, n in taken] == [20] * 7
    ticket, n = b.take(20)
    assert n == 10                              # what the window still allows, not a whole 20
    for t, _n in taken + [(ticket, n)]:
        b.done(t)
    answered = clock.now
    clock.now += 1.0                            # the clock runs from the answer, not from the send
    ticket, n = b.take(20)
    assert n == 20 and clock.now == answered + 5.0 and clock.slept == [4.0]


def test_never_more_than_150_in_any_5_s_and_close_to_the_bound():
    for latency in (0.0, 0.05, 0.5):
        clock = Clock()
        start = clock.now
        sent = send_all(bucket(clock, margin=0.1), clock, 1000, latency)
        assert sum(n for _t, n in sent) == 1000
        assert most_in_any_window(sent) <= 150
        # 1000 = 6 windows of 150 + 100: 30 s, each window later by a margin and an answer (the clock starts
        # at the answer), and the last 100 in 5 requests one after the other
        elapsed = clock.now - start
        assert 30.0 <= elapsed <= 30.0 + 6 * (latency + 0.1) + 5 * latency + 1e-6, (latency, elapsed)
        assert len(sent) <= 54                  # 8 requests per 150 (7 x 20 + 10), 5 for the last 100


def test_a_steady_refill_would_overrun_the_window():
    # why tokens come back a window after they were spent: 150 at once and 30 a second after that
    sent = [(0.0, 150)] + [(1.0 + i, 30) for i in range(4)]
    assert most_in_any_window(sent) == 270


def test_retry_after_wins_over_free_tokens():
    clock = Clock()
    b = bucket(clock)
    b.hold(7)
    ticket, n = b.take(20)
    assert n == 20 and clock.slept == [7.0]
    b.hold(2)
    b.hold(1)                                   # a shorter hold does not shorten the longer one
    b.done(ticket)
    b.take(1)
    assert clock.slept == [7.0, 2.0]


def test_state_arithmetic():
    state = pacing.fresh_state()
    assert pacing.reserve(state, 0.0, 100, "a", 150) == (100, 0.0)
    assert pacing.reserve(state, 0.0, 100, "b", 150) == (50, 0.0)
    assert pacing.free_tokens(state, 0.0, 150) == 0
    # both in flight: nothing comes back until one is answered; look again soon
    assert pacing.reserve(state, 1.0, 20, "c", 150) == (0, pacing.POLL)
    pacing.answered(state, "a", 6.0)
    assert pacing.wait_before(state, 2.0, 150) == 4.0
    assert pacing.free_tokens(state, 6.0, 150) == 100
    # a request never answered (a killed fork) gives its tokens back after STALE seconds
    assert pacing.free_tokens(state, 6.0 + pacing.STALE, 150) == 150


def test_the_file_is_shared_by_buckets_of_the_same_tenant(tmp_path):
    clock = Clock()
    path = pacing.state_path(str(tmp_path / "tokens"), "https://graph.microsoft.com/", "Contoso.onmicrosoft.com")
    assert path == pacing.state_path(str(tmp_path / "tokens"), "https://graph.microsoft.com", "contoso.onmicrosoft.com")
    assert path != pacing.state_path(str(tmp_path / "tokens"), "https://graph.microsoft.us", "contoso.onmicrosoft.com")
    first, second = bucket(clock, pacing.FileStore(path)), bucket(clock, pacing.FileStore(path))
    ticket, n = first.take(150)
    first.done(ticket)
    ticket, n = second.take(20)                 # another task or fork of the run: waits for the first's window
    assert n == 20 and clock.slept == [5.0]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) == 0o700
    with open(path) as f:
        saved = json.load(f)
    assert set(saved) == {"spent", "hold"} and [e["n"] for e in saved["spent"]] == [20]


def test_a_torn_or_unusable_file_means_a_bucket_in_memory(tmp_path):
    clock = Clock()
    path = str(tmp_path / ".pace-x")
    with open(path, "w") as f:
        f.write('{"spent": [{"tick')
    assert bucket(clock, pacing.FileStore(path)).take(20)[1] == 20
    blocked = tmp_path / "file"
    blocked.write_text("")
    store = pacing.FileStore(str(blocked / ".pace-y"))  # its folder is a file
    assert bucket(clock, store).take(20)[1] == 20 and store.memory is not None


class FakeClient:
    """client.batch that answers every item 201, or 429 for the first `throttled` invitations."""

    def __init__(self, throttled=0):
        self.calls, self.throttled = [], throttled

    def batch(self, requests_):
        self.calls.append([r["url"] for r in requests_])
        out = []
        for r in requests_:
            if r["url"] == "/invitations" and self.throttled:
                self.throttled -= 1
                out.append({"status": 429, "headers": {"Retry-After": "3"}, "body": None})
            else:
                out.append({"status": 201, "headers": {}, "body": {"url": r["url"]}})
        return out


def test_send_writes_paces_invitations_only_and_keeps_the_order():
    clock = Clock()
    b = bucket(clock)
    reqs = [{"method": "POST", "url": "/invitations", "body": {"i": i}} for i in range(160)]
    reqs.insert(3, {"method": "PATCH", "url": "/users/x", "body": {}})
    client = FakeClient()
    answers = gu.send_writes(client, reqs, b)
    assert [a["body"]["url"] for a in answers] == [r["url"] for r in reqs]
    assert client.calls[0] == ["/users/x"]     # other writes are not paced
    assert [len(c) for c in client.calls[1:]] == [20] * 7 + [10, 10]
    assert clock.slept == [5.0]                 # the last 10 waited for the first request's tokens


def test_send_writes_holds_the_bucket_for_a_429_left_over():
    clock = Clock()
    b = bucket(clock)
    answers = gu.send_writes(FakeClient(throttled=1), [{"method": "POST", "url": "/invitations"}] * 2, b)
    assert [a["status"] for a in answers] == [429, 201]
    b.take(1)
    assert clock.slept == [3.0]


def test_new_guests_are_looked_up_while_the_pace_waits(monkeypatch):
    clock = Clock()
    looked = []

    def find(client, addresses):
        looked.append((clock.now, list(addresses)))
        clock.now += 0.2                        # a lookup takes a while
        return dict((a.lower(), {"id": a} if a != "late@x.example" else None) for a in addresses)

    monkeypatch.setattr(gu, "find_by_address", find)
    watch = gu.NewGuestWatch(object(), clock=clock, sleep=clock.sleep)
    start = clock.now
    watch.invited(["A@x.example"] + ["g%03d@x.example" % i for i in range(100)] + ["late@x.example"])
    watch.idle(1.0)                             # nothing is a window old yet, and nothing is ready in time
    assert looked == [] and clock.now == start + 1.0
    watch.idle(5.0)                             # ready at +5 s: two lookups (100 people each) fit in time
    assert [t for t, _a in looked] == [start + 5.0, start + 5.2] and [len(a) for _t, a in looked] == [100, 2]
    assert clock.now == start + 6.0 and "a@x.example" in watch.visible and "late@x.example" not in watch.visible
    assert len(watch.visible) == 101 and watch.queue == []


def test_a_lookup_that_does_not_fit_is_left_for_the_end(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(gu, "find_by_address", lambda client, addresses: 1 / 0)
    watch = gu.NewGuestWatch(object(), clock=clock, sleep=clock.sleep)
    watch.invited(["a@x.example"])
    clock.now += 10
    watch.idle(0.3)                             # shorter than a lookup takes: only sleeps
    assert len(watch.queue) == 1 and clock.slept == [pytest.approx(0.3)]
    watch.idle(2.0)                             # a failed lookup ends the looking; the final wait looks again
    assert watch.failed and watch.visible == set() and clock.slept[-1] == pytest.approx(2.0)
