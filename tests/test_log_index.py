"""The log indexer on a real store: logs sent through the real OTLP path are mined into templates
and per-minute counts, pattern ids survive a restart, a backlog catches up in bounded steps, and
neither late rows nor a cycle that died half way make the counts wrong."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ollystack.detect import LogIndexer, logstore
from ollystack.store import Store
from tests.support.logs import Line, otlp_request

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _minute(at: datetime, i: int) -> list[Line]:
    """Per minute: 3 cart lines and 1 payment error in checkout, 2 search lines."""
    return [
        *(Line(at + timedelta(seconds=5 + 15 * k), f"GET /api/cart/{100 * i + k} served in {7 + k} ms")
          for k in range(3)),
        Line(at + timedelta(seconds=40), f"payment declined for order {5000 + i}: card expired", "ERROR"),
        *(Line(at + timedelta(seconds=10 + 20 * k), f"indexed document {i * 7 + k} in {k + 2} ms", service="search")
          for k in range(2)),
    ]  # fmt: skip


def _send(store: Store, start: datetime, minutes: int, first: int = 0, tenant: str = "default") -> None:
    lines = [ln for i in range(minutes) for ln in _minute(start + timedelta(minutes=i), first + i)]
    store.insert_otlp("logs", tenant, [otlp_request(lines)])


def _per_template(store: Store, tenant: str = "default") -> dict[tuple[str, str], Counter[int]]:
    """(service, template text) -> lines per minute, as stored."""
    texts = {k: r.text for k, r in logstore.templates(store, tenant).items()}
    out: dict[tuple[str, str], Counter[int]] = {}
    for svc, tid, m, n, _ in logstore.minute_counts(store, tenant, T0 - timedelta(days=7), T0 + timedelta(days=1)):
        out.setdefault((svc, texts[(svc, tid)]), Counter())[m] += n
    return out


def _ids(store: Store) -> dict[tuple[str, str], str]:
    return {(svc, r.text): tid for (svc, tid), r in logstore.templates(store, "default").items()}


def test_templates_and_counts_survive_a_restart_with_the_same_ids(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"chdb://{data}")
    try:
        store.migrate()
        _send(store, T0, 30)
        indexer = LogIndexer(store, max_rows=40)  # 6 lines a minute: six minutes a step
        indexer.catch_up("default", T0 + timedelta(minutes=32))
        first = _ids(store)
        assert sorted(svc for svc, _ in first) == ["checkout", "checkout", "search"]
        counts = _per_template(store)
        assert {k: (len(c), set(c.values())) for k, c in counts.items()} == {
            ("checkout", next(t for s, t in first if "served" in t)): (29, {3}),
            ("checkout", next(t for s, t in first if "declined" in t)): (29, {1}),
            ("search", next(t for s, t in first if s == "search")): (29, {2}),
        }
        errors = {tid: e for _, tid, _, _, e in logstore.minute_counts(store, "default", T0, T0 + timedelta(hours=1))}
        assert sorted(errors.values()) == [0, 0, 1]  # the payment line is the error
        assert logstore.watermark(store, "default") == T0 + timedelta(minutes=29)  # the newest minute may be incomplete
    finally:
        store.close()

    reopened = Store(f"chdb://{data}")  # a new Store and a new indexer, as after a restart
    try:
        _send(reopened, T0 + timedelta(minutes=30), 10, first=30)
        reopened.insert_otlp("logs", "default", [otlp_request([Line(T0 + timedelta(minutes=35), "cache warmed up")])])
        LogIndexer(reopened).catch_up("default", T0 + timedelta(minutes=45))
        after = _ids(reopened)
        assert {k: v for k, v in after.items() if k in first} == first  # the same ids for the same patterns
        assert set(after) - set(first) == {("checkout", "cache warmed up")}
        assert all(len(c) == 39 for c in _per_template(reopened).values() if len(c) > 1)  # and nothing counted twice
        rec = logstore.templates(reopened, "default")[("checkout", after[("checkout", "cache warmed up")])]
        assert (rec.first_seen, rec.count, rec.sample) == (T0 + timedelta(minutes=35), 1, "cache warmed up")
        assert set(logstore.states(reopened, "default")) == {"checkout", "search"}
    finally:
        reopened.close()


def test_a_cycle_that_died_half_way_does_not_count_twice(store: Store) -> None:
    _send(store, T0, 10)
    LogIndexer(store).catch_up("default", T0 + timedelta(minutes=8))  # minutes 0-5 indexed
    wm = logstore.watermark(store, "default")
    assert wm == T0 + timedelta(minutes=6)
    # a cycle wrote minute 6 and died before recording its watermark
    logstore.write_minutes(store, "default", [("checkout", "whatever", wm, 3, 0)])
    LogIndexer(store).catch_up("default", T0 + timedelta(minutes=15))  # a new process resumes
    per_minute = Counter[int]()
    for _, _, m, n, _ in logstore.minute_counts(store, "default", T0, T0 + timedelta(hours=1)):
        per_minute[m] += n
    assert sorted(per_minute.values()) == [6] * 9  # every minute counted once (the newest waits for the next)


def test_rows_late_within_the_margin_are_counted(store: Store) -> None:
    indexer = LogIndexer(store, lateness=timedelta(minutes=2))
    _send(store, T0, 3)
    indexer.index("default", T0 + timedelta(minutes=3, seconds=30))  # minutes 0 and 1 are old enough
    late = Line(T0 + timedelta(minutes=2, seconds=50), "GET /api/cart/9 served in 3 ms")
    store.insert_otlp("logs", "default", [otlp_request([late])])  # for minute 2, 40 s late
    _send(store, T0 + timedelta(minutes=3), 2, first=3)
    indexer.index("default", T0 + timedelta(minutes=5))
    per_minute = Counter[int]()
    for _, _, m, n, _ in logstore.minute_counts(store, "default", T0, T0 + timedelta(hours=1)):
        per_minute[m] += n
    start = int(T0.timestamp())
    assert [per_minute[start + 60 * i] for i in range(4)] == [6, 6, 7, 0]  # minute 3 waits for the margin


def test_a_quiet_day_is_skipped_and_tenants_are_indexed_apart(store: Store) -> None:
    _send(store, T0 - timedelta(days=3), 5)
    _send(store, T0, 5, tenant="acme")
    _send(store, T0, 5)
    indexer = LogIndexer(store)
    indexer.catch_up("default", T0 + timedelta(minutes=10))
    assert logstore.watermark(store, "default") == T0 + timedelta(minutes=4)  # over the quiet days in one step
    assert sum(c.total() for c in _per_template(store).values()) == 6 * (5 + 4)
    assert logstore.watermark(store, "acme") is None  # acme has not had its cycle yet
    indexer.catch_up("acme", T0 + timedelta(minutes=10))
    assert sum(c.total() for c in _per_template(store, "acme").values()) == 6 * 4


def test_logs_first_sent_after_a_cycle_are_indexed_from_their_own_minutes(store: Store) -> None:
    indexer = LogIndexer(store)
    assert indexer.index("default", T0 + timedelta(minutes=10)) == 0  # nothing to index yet
    _send(store, T0, 5)  # a Collector's first batch, minutes old when it arrives
    assert indexer.catch_up("default", T0 + timedelta(minutes=11)) == 4 * 6
    assert logstore.watermark(store, "default") == T0 + timedelta(minutes=4)


def test_rows_arriving_long_after_their_minute_are_counted_when_the_hour_is_checked(store: Store) -> None:
    indexer = LogIndexer(store)
    _send(store, T0, 30)
    indexer.catch_up("default", T0 + timedelta(minutes=31))  # minutes 0-28
    late = [Line(T0 + timedelta(minutes=5, seconds=30 + k), f"GET /api/cart/{k} served in 3 ms") for k in range(3)]
    late.append(Line(T0 + timedelta(minutes=10, seconds=1), "cache warmed up"))  # a Collector's retry, 20 min late
    store.insert_otlp("logs", "default", [otlp_request(late)])

    def minute(i: int) -> int:
        rows = logstore.minute_counts(store, "default", T0 + timedelta(minutes=i), T0 + timedelta(minutes=i + 1))
        return sum(n for *_, n, _ in rows)

    indexer.index("default", T0 + timedelta(minutes=35))
    assert (minute(5), minute(10)) == (6, 6)  # not checked yet: every 10 minutes
    indexer.index("default", T0 + timedelta(minutes=42))
    assert (minute(5), minute(10), minute(11)) == (9, 7, 6)  # the hour was indexed again, nothing twice
    warmed = [r for r in logstore.templates(store, "default").values() if r.text == "cache warmed up"]
    assert [r.first_seen for r in warmed] == [T0 + timedelta(minutes=10)]
