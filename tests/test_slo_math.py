"""SLO math on hand-computed cases: SLI, budget, burn rates, exhaustion, windows and status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ollystack.slo import parse_text
from ollystack.slo.evaluator import evaluate
from ollystack.slo.measure import Measurer
from ollystack.slo.windows import window_span
from ollystack.store import Store
from tests.support.spans import COLUMNS, Minute, insert_minutes, rows_for

T = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)  # a Tuesday, on a minute boundary


def one(text: str):
    (slo,) = parse_text(text)
    return slo


def test_request_based_rolling_window_exact(store: Store) -> None:
    """One day of 100 requests/minute; 30 errors in the last five minutes, 42 a few hours earlier."""
    slo = one("""
name: checkout-errors
service: checkout
target: 99
window: 1d
sli: {type: error_rate}
""")
    start = T - timedelta(days=1)

    def traffic(i: int) -> Minute:
        if i >= 1440 - 5:
            return Minute(100, errors=6)
        if i == 600:
            return Minute(100, errors=42)
        return Minute(100)

    insert_minutes(store, start, 1440, traffic)
    insert_minutes(store, start - timedelta(minutes=30), 30, lambda i: Minute(100, errors=100))  # before the window
    st = evaluate(store, slo, T)
    out = st.to_json()
    assert (out["total"], out["good"]) == (144_000, 144_000 - 72)
    assert out["sli"] == pytest.approx(1 - 72 / 144_000)
    assert out["error_budget_total"] == pytest.approx(1440.0)  # 1% of the events so far
    assert out["error_budget_consumed"] == 72
    assert out["error_budget_remaining"] == pytest.approx(1 - 72 / 1440)
    rates = out["burn_rates"]
    assert rates["1d"] == pytest.approx((72 / 144_000) / 0.01)
    assert rates["1h"] == pytest.approx((30 / 6000) / 0.01)
    assert rates["2m"] == pytest.approx((12 / 200) / 0.01)  # the scaled short window of the first page alert
    # time to exhaustion at the last hour's burn rate: remaining * window / rate
    assert out["time_to_exhaustion_seconds"] == pytest.approx((1 - 72 / 1440) * 86400 / 0.5)
    assert out["status"] == "OK"


def test_latency_threshold_is_inclusive_and_filters_apply(store: Store) -> None:
    slo = one("""
name: search-latency
service: search
target: 95
window: 1h
sli: {type: latency, threshold: 250ms, route: /api/search, span_kind: server}
""")
    start = T - timedelta(hours=1)
    insert_minutes(store, start, 60, lambda i: Minute(20, slow=2, fast_ms=250, slow_ms=251, service="search",
                                                      route="/api/search"))  # fmt: skip
    # other routes, other services and client spans of the same service do not count
    insert_minutes(store, start, 60, lambda i: Minute(20, slow=20, service="search", route="/api/other"))
    insert_minutes(store, start, 60, lambda i: Minute(20, slow=20, service="cart", route="/api/search"))
    insert_minutes(
        store, start, 60, lambda i: Minute(20, slow=20, service="search", route="/api/search", kind="Client")
    )
    out = evaluate(store, slo, T).to_json()
    assert (out["total"], out["good"]) == (1200, 1080)  # exactly 250 ms is good, 251 ms is not
    assert out["sli"] == pytest.approx(0.9)
    assert out["status"] == "BREACHED"
    assert out["error_budget_remaining"] == pytest.approx(1 - 0.1 / 0.05)


def test_calendar_month_in_a_time_zone(store: Store) -> None:
    """Paris is UTC+1 in November: the month began at 23:00 UTC on 31 October."""
    slo = one("""
name: monthly
service: checkout
target: 99.9
window: {type: calendar, unit: month, timezone: Europe/Paris}
sli: {type: availability}
""")
    at = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
    span = window_span(slo.window, at)
    assert span.start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert span.period_end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    # 22:00-23:00 UTC on 31 October is still October in Paris: all errors, none of it counts
    insert_minutes(store, datetime(2026, 10, 31, 22, 0, tzinfo=UTC), 60, lambda i: Minute(10, errors=10))
    insert_minutes(store, span.start, 90, lambda i: Minute(10, errors=1 if i < 3 else 0))
    out = evaluate(store, slo, at).to_json()
    assert (out["window"], out["window_start"]) == ("calendar month (Europe/Paris)", "2026-10-31T23:00:00+00:00")
    assert out["window_end"] == "2026-11-30T23:00:00+00:00"
    assert (out["total"], out["good"]) == (900, 897)
    assert out["error_budget_total"] == pytest.approx(0.9)
    assert out["status"] == "BREACHED"


def test_calendar_boundaries_new_york_week_and_dst() -> None:
    slo = one("""
name: weekly
service: checkout
target: 99
window: {type: calendar, unit: week, timezone: America/New_York}
sli: {type: availability}
""")
    # Sunday 1 November 2026, 02:00 local: DST ends (EDT -> EST). ISO weeks start on Monday.
    span = window_span(slo.window, datetime(2026, 11, 2, 3, 0, tzinfo=UTC))  # Sunday 22:00 EST
    assert span.start == datetime(2026, 10, 26, 4, 0, tzinfo=UTC)  # Monday 00:00 EDT
    assert span.period_end == datetime(2026, 11, 2, 5, 0, tzinfo=UTC)  # Monday 00:00 EST
    assert span.period == timedelta(days=7, hours=1)  # the week with the extra hour
    month = one("""
name: m
service: s
target: 99
window: month
sli: {type: availability}
""")
    feb = window_span(month.window, datetime(2028, 2, 29, 23, 59, tzinfo=UTC))
    assert (feb.start, feb.period_end) == (datetime(2028, 2, 1, tzinfo=UTC), datetime(2028, 3, 1, tzinfo=UTC))
    dec = window_span(month.window, datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert dec.period_end == datetime(2027, 1, 1, tzinfo=UTC)


def test_empty_window_is_insufficient_data(store: Store) -> None:
    slo = one("""
name: quiet
service: nobody-calls-me
target: 99.9
window: 30d
sli: {type: error_rate}
""")
    insert_minutes(store, T - timedelta(hours=2), 60, lambda i: Minute(10, service="someone-else"))
    out = evaluate(store, slo, T).to_json()
    assert out["status"] == "INSUFFICIENT_DATA"
    assert out["sli"] is None
    assert out["error_budget_remaining"] is None
    assert out["alerts"] == []
    assert {a["state"] for a in out["alert_rules"]} == {"no_data"}
    assert all(v is None for v in out["burn_rates"].values())


def test_timeslices_count_minutes_and_apply_the_no_data_rule(store: Store) -> None:
    base = """
name: slices-{rule}
service: checkout
target: 90
window: 1h
budgeting: {{method: timeslices, timeslice_target: 0.95, no_data: {rule}}}
sli: {{type: error_rate}}
"""
    # 40 minutes with data: 30 good minutes (2% errors), 10 bad (10% errors); 20 minutes without data
    insert_minutes(store, T - timedelta(hours=1), 40, lambda i: Minute(50, errors=5 if i < 10 else 1))
    got = {}
    for rule in ("good", "bad", "ignore"):
        got[rule] = evaluate(store, one(base.format(rule=rule)), T).to_json()
    assert (got["good"]["good"], got["good"]["total"]) == (50, 60)
    assert (got["bad"]["good"], got["bad"]["total"]) == (30, 60)
    assert (got["ignore"]["good"], got["ignore"]["total"]) == (30, 40)
    assert got["good"]["error_budget_unit"] == "minutes"
    assert got["good"]["error_budget_total"] == pytest.approx(6.0)  # 10% of the window's 60 minutes
    assert got["good"]["error_budget_consumed"] == 10
    assert got["good"]["error_budget_remaining"] == pytest.approx(1 - 10 / 6)
    assert got["bad"]["error_budget_consumed"] == 30
    assert got["ignore"]["error_budget_total"] == pytest.approx(4.0)
    assert got["good"]["burn_rates"]["1h"] == pytest.approx((10 / 60) / 0.1)


def test_timeslice_latency_by_percentile(store: Store) -> None:
    """CloudWatch-style period SLO: a minute is good when its p90 latency is under the threshold."""
    slo = one("""
name: p90
service: checkout
target: 50
window: 10m
budgeting: timeslices
sli: {type: latency, threshold: 300ms, percentile: 90}
""")
    # minutes 0-5: 1 slow of 20 (p90 fast); minutes 6-9: 5 slow of 20 (p90 slow)
    insert_minutes(store, T - timedelta(minutes=10), 10, lambda i: Minute(20, slow=1 if i < 6 else 5))
    out = evaluate(store, slo, T).to_json()
    assert (out["good"], out["total"]) == (6, 10)
    assert out["status"] == "WARNING"  # 60% attained against 50%: 20% of the budget left
    assert out["error_budget_remaining"] == pytest.approx(1 - 4 / 5)


def test_late_spans_within_lateness_are_counted_and_edits_remeasure(store: Store) -> None:
    slo = one("""
name: late
service: checkout
target: 99
window: 1h
sli: {type: error_rate}
""")
    insert_minutes(store, T - timedelta(minutes=30), 30, lambda i: Minute(10))
    measurer = Measurer(store)
    assert evaluate(store, slo, T, measurer).to_json()["total"] == 300
    # spans for the last complete minute arrive after it was measured
    store.client.insert("otel_traces", rows_for(T - timedelta(minutes=1), Minute(5, errors=5)), column_names=COLUMNS)
    out = evaluate(store, slo, T + timedelta(minutes=1), measurer).to_json()
    assert (out["total"], out["good"]) == (305, 300)
    # narrowing the SLI (a new definition) measures again instead of reusing old minutes
    narrowed = one("""
name: late
service: checkout
target: 99
window: 1h
sli: {type: error_rate, route: /nowhere}
""")
    assert narrowed.sli_hash != slo.sli_hash
    assert evaluate(store, narrowed, T + timedelta(minutes=1), measurer).to_json()["total"] == 0


def test_the_minute_in_progress_counts(store: Store) -> None:
    slo = one("""
name: now
service: checkout
target: 99
window: 1h
sli: {type: error_rate}
""")
    insert_minutes(store, T - timedelta(minutes=10), 11, lambda i: Minute(60, errors=60 if i == 10 else 0))
    out = evaluate(store, slo, T + timedelta(seconds=30)).to_json()
    assert out["total"] == 600 + 30  # ten full minutes and the first half of this one
    assert out["events"]["bad"] == 30


def test_tenants_do_not_see_each_others_spans(store: Store) -> None:
    text = """
name: shared-name
tenant: {tenant}
service: checkout
target: 99
window: 1h
sli: {{type: error_rate}}
"""
    insert_minutes(store, T - timedelta(minutes=10), 10, lambda i: Minute(10), tenant="acme")
    insert_minutes(store, T - timedelta(minutes=10), 10, lambda i: Minute(10, errors=10), tenant="globex")
    acme = evaluate(store, one(text.format(tenant="acme")), T).to_json()
    globex = evaluate(store, one(text.format(tenant="globex")), T).to_json()
    assert (acme["total"], acme["good"]) == (100, 100)
    assert (globex["total"], globex["good"]) == (100, 0)


def _metric_rows(store: Store, table: str, rows: list[dict[str, object]]) -> None:
    cols = sorted(rows[0])
    store.client.insert(table, [[r[c] for c in cols] for r in rows], column_names=cols)


def test_latency_from_a_delta_histogram(store: Store) -> None:
    slo = one("""
name: hist
service: checkout
target: 90
window: 10m
sli:
  type: latency
  threshold: 250ms
  source: metric
  metric: {name: http.server.request.duration, attributes: {http.route: /pay}}
""")
    bounds = [0.05, 0.1, 0.25, 0.5, 1.0]
    rows = []
    for i in range(10):
        t = T - timedelta(minutes=10 - i)
        for route, counts in (("/pay", [10, 20, 30, 5, 3, 2]), ("/other", [0, 0, 0, 0, 0, 50])):
            rows.append({"ServiceName": "checkout", "MetricName": "http.server.request.duration", "MetricUnit": "s",
                         "Attributes": {"http.route": route}, "StartTimeUnix": t, "TimeUnix": t + timedelta(seconds=59),
                         "Count": sum(counts), "BucketCounts": counts, "ExplicitBounds": bounds,
                         "AggregationTemporality": 1})  # fmt: skip
    _metric_rows(store, "otel_metrics_histogram", rows)
    out = evaluate(store, slo, T).to_json()
    assert (out["total"], out["good"]) == (700, 600)  # buckets up to the 0.25 s bound are good


def test_availability_from_cumulative_counters_with_a_reset(store: Store) -> None:
    slo = one("""
name: counters
service: api
target: 99
window: 10m
sli:
  type: error_rate
  source: metric
  bad_metric: {name: http_requests_total, attributes: {code: "500"}}
  total_metric: http_requests_total
""")
    rows = []
    start = T - timedelta(minutes=10)
    # two series (code 200 and 500), cumulative; the 200 series restarts at minute 6
    ok_values = [100, 200, 300, 400, 500, 600, 50, 150, 250, 350]
    for i in range(10):
        t = start + timedelta(minutes=i, seconds=30)
        restart = start + timedelta(minutes=6) if i >= 6 else start - timedelta(hours=5)
        rows.append({"ServiceName": "api", "MetricName": "http_requests_total", "Attributes": {"code": "200"},
                     "StartTimeUnix": restart, "TimeUnix": t, "Value": float(ok_values[i]),
                     "AggregationTemporality": 2, "IsMonotonic": True})  # fmt: skip
        rows.append({"ServiceName": "api", "MetricName": "http_requests_total", "Attributes": {"code": "500"},
                     "StartTimeUnix": start - timedelta(hours=5), "TimeUnix": t, "Value": float(7 + i),
                     "AggregationTemporality": 2, "IsMonotonic": True})  # fmt: skip
    # the point before the window tells the first increment
    rows.append({"ServiceName": "api", "MetricName": "http_requests_total", "Attributes": {"code": "200"},
                 "StartTimeUnix": start - timedelta(hours=5), "TimeUnix": start - timedelta(seconds=30), "Value": 0.0,
                 "AggregationTemporality": 2, "IsMonotonic": True})  # fmt: skip
    rows.append({"ServiceName": "api", "MetricName": "http_requests_total", "Attributes": {"code": "500"},
                 "StartTimeUnix": start - timedelta(hours=5), "TimeUnix": start - timedelta(seconds=30), "Value": 6.0,
                 "AggregationTemporality": 2, "IsMonotonic": True})  # fmt: skip
    _metric_rows(store, "otel_metrics_sum", rows)
    out = evaluate(store, slo, T).to_json()
    ok_total = 100 * 6 + 50 + 100 * 3  # 100 per minute, the reset minute counts its 50 in full
    assert out["events"] == {"total": ok_total + 10, "bad": 10, "good": ok_total}


def test_availability_from_synthetic_runs(store: Store) -> None:
    slo = one("""
name: journey
service: web-frontend
target: 95
window: 1h
sli: {type: availability, source: synthetics, check: checkout-journey}
""")
    import uuid

    rows = []
    for i in range(60):
        for region in ("eu-west", "us-east"):
            ok = not (region == "us-east" and i % 10 == 0)
            rows.append([uuid.uuid4(), uuid.uuid4(), "checkout-journey", T - timedelta(minutes=60 - i), int(ok),
                         1200.0, region])  # fmt: skip
    store.client.insert(
        "synthetics_runs",
        rows,
        column_names=["RunId", "CanaryId", "CanaryName", "Timestamp", "Success", "Duration", "Region"],
    )
    out = evaluate(store, slo, T).to_json()
    assert (out["total"], out["good"]) == (120, 114)
    assert out["sli"] == pytest.approx(0.95)


def test_a_backfill_of_measured_hours_is_counted(store: Store) -> None:
    """Spans that arrive hours late (a backfill, a Collector retrying) are measured again."""
    slo = one("""
name: backfilled
service: checkout
target: 99
window: 1d
sli: {type: error_rate}
""")
    measurer = Measurer(store)
    insert_minutes(store, T - timedelta(hours=6), 6 * 60, lambda i: Minute(10))
    assert evaluate(store, slo, T, measurer).to_json()["total"] == 3600
    # three hours ago, a batch that was stuck somewhere arrives: 200 more requests, all failed
    insert_minutes(store, T - timedelta(hours=3), 20, lambda i: Minute(10, errors=10))
    out = evaluate(store, slo, T + timedelta(minutes=1), Measurer(store)).to_json()  # a fresh process, too
    assert (out["total"], out["events"]["bad"]) == (3800, 200)
    # and nothing is counted twice on the next cycles
    again = evaluate(store, slo, T + timedelta(minutes=2), measurer).to_json()
    assert (again["total"], again["events"]["bad"]) == (3800, 200)


def test_history_sent_after_the_first_evaluation_is_counted(store: Store) -> None:
    """The demo's order: the service evaluates an empty store, then hours of history arrive."""
    slo = one("""
name: demo-order
service: checkout
target: 99
window: 1d
sli: {type: error_rate}
""")
    measurer = Measurer(store)
    assert evaluate(store, slo, T, measurer).to_json()["status"] == "INSUFFICIENT_DATA"
    insert_minutes(store, T - timedelta(hours=2), 120, lambda i: Minute(10, errors=1 if i % 2 else 0))
    out = evaluate(store, slo, T + timedelta(seconds=30), measurer).to_json()
    assert (out["total"], out["events"]["bad"]) == (1200, 60)


def test_burn_rate_over_any_window(store: Store) -> None:
    slo = one("""
name: any-window
service: checkout
target: 99
window: 1d
sli: {type: error_rate}
""")
    insert_minutes(store, T - timedelta(hours=2), 120, lambda i: Minute(10, errors=1 if i >= 105 else 0))
    out = evaluate(store, slo, T, windows=[timedelta(minutes=15), timedelta(minutes=45)]).to_json()
    assert out["burn_rates"]["15m"] == pytest.approx((15 / 150) / 0.01)
    assert out["burn_rates"]["45m"] == pytest.approx((15 / 450) / 0.01)
    with pytest.raises(ValueError, match="whole minutes"):
        evaluate(store, slo, T, windows=[timedelta(seconds=90)])
    with pytest.raises(ValueError, match="longer than"):
        evaluate(store, slo, T, windows=[timedelta(days=40)])


def test_the_shipped_example_slos_load() -> None:
    """`make demo` and the README point at them: a broken example would leave the demo without SLOs."""
    from importlib import resources

    from ollystack.slo import load_dir

    folder = resources.files("ollystack.slo").joinpath("examples")
    names = {s.name for s in load_dir(Path(str(folder)))}
    assert {"payments-charge-availability", "checkout-latency", "api-gateway-availability"} <= names
