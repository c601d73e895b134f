"""Reading SLO definitions: the OpenSLO v1 and Sloth examples from those projects' own repositories,
the native format, errors that name the file and the field, and `ollystack slo validate` / `import`.

The upstream examples live verbatim in tests/fixtures/slo/{openslo,sloth}/ with their source in a
header comment; the native ones in tests/fixtures/slo/native/ were written for these tests.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ollystack.cli import app
from ollystack.slo.loader import SLOSpecError, load_dir, load_file, parse_text, to_yaml
from ollystack.slo.model import SLO, AlertRule, Matcher, MetricSelector, Window

FIXTURES = Path(__file__).parent / "fixtures" / "slo"
OPENSLO = FIXTURES / "openslo"
SLOTH = FIXTURES / "sloth"
NATIVE = FIXTURES / "native"


def rule(severity: str, long: str | timedelta, short: str | timedelta, burn_rate: float) -> AlertRule:
    return AlertRule(severity=severity, long_window=long, short_window=short, burn_rate=burn_rate)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


#: The SRE Workbook's alerts for a 30-day window: what Sloth generates and OllyStack defaults to
WORKBOOK_30D = [
    rule("page", "1h", "5m", 14.4),
    rule("page", "6h", "30m", 6),
    rule("ticket", "1d", "2h", 3),
    rule("ticket", "3d", "6h", 1),
]
#: The same four scaled to a 7-day window: every window x 7/30, rounded to whole minutes; burn rates kept
WORKBOOK_7D = [
    rule("page", minutes(14), minutes(1), 14.4),  # 60 x 7/30 = 14, 5 x 7/30 = 1.17
    rule("page", minutes(84), minutes(7), 6),
    rule("ticket", minutes(336), minutes(28), 3),
    rule("ticket", minutes(1008), minutes(84), 1),
]


def spec_error(path: Path) -> SLOSpecError:
    with pytest.raises(SLOSpecError) as info:
        load_file(path)
    return info.value


def one(slos: list[SLO]) -> SLO:
    assert len(slos) == 1, [s.name for s in slos]
    return slos[0]


# -- OpenSLO v1: the specification's own examples ------------------------------------------------
# The queries name no job, so (as in native YAML) they watch the SLO's service: service.name = web
WEB = {"k8s_cluster": "prod", "component": "web", "service.name": "web"}
WEB_GOOD = MetricSelector(
    name="http_requests", attributes=WEB, matchers=[Matcher(key="code", op="=~", value="2xx|4xx")]
)
WEB_TOTAL = MetricSelector(name="http_requests", attributes=WEB)


def test_openslo_spec_example_slo_imports_with_its_prometheus_selectors():
    slo = one(load_file(OPENSLO / "slos.yaml"))  # a YAML list of objects, as the OpenSLO SDK writes them

    assert (slo.name, slo.service, slo.tenant) == ("web-availability", "web", "default")
    assert slo.description == "X% of search requests are successful"
    assert slo.target == 99.5  # target: 0.995
    assert slo.window == Window(type="calendar", unit="week", timezone="America/New_York")
    assert slo.budgeting.method == "timeslices"
    assert slo.budgeting.timeslice_target == 0.95
    assert slo.slice_target == 0.95
    assert (slo.sli.type, slo.sli.source) == ("availability", "metric")  # a good/total ratio
    assert slo.sli.good_metric == WEB_GOOD
    assert slo.sli.total_metric == WEB_TOTAL
    assert slo.sli.bad_metric is None
    # no alertPolicies: the Workbook alerts, scaled to the week
    assert slo.alerts == WORKBOOK_7D


def test_openslo_alert_policies_and_conditions_become_burn_rate_rules():
    slo = one(load_file(OPENSLO / "alerting.yaml"))

    assert slo.alerts == [
        rule("page", "1h", "5m", 2),  # low-priority -> conditionRef cpu-usage-breach
        rule("page", "1h", "5m", 2),  # high-priority -> its inline memory-usage-breach condition
        rule("ticket", "1d", "30m", 200),  # latency-warning -> latency-too-high (severity: warning)
    ]
    plain = one(load_file(OPENSLO / "slos.yaml"))
    assert slo.name == "web-availability-alerting"
    assert slo.model_dump(exclude={"name", "alerts"}) == plain.model_dump(exclude={"name", "alerts"})


SERVICE_SLI_POLICY = """
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
spec:
  description: Checkout API
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(http_server_requests_total{service="checkout",status=~"5.."}[{{.window}}]))
    total:
      metricSource:
        type: Prometheus
        spec:
          query: sum(rate(http_server_requests_total{service="checkout"}[5m]))
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: burn
spec:
  severity: SEVERITY
  condition:
    kind: burnrate
    threshold: 14.4
    lookbackWindow: LOOKBACK
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: burn
spec:
  conditions:
    - conditionRef: burn
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
  alertPolicies:
    - burn
"""


@pytest.mark.parametrize(
    ("severity", "lookback", "expected"),
    [
        ("critical", "1h", rule("page", "1h", "5m", 14.4)),  # no alertAfter: short window = long / 12
        ("sev1", "6h", rule("page", "6h", "30m", 14.4)),
        ("warning", "3d", rule("ticket", "3d", "6h", 14.4)),
        ("ticket", "10m", rule("ticket", "10m", "1m", 14.4)),  # 50 s rounds up to the 1-minute floor
    ],
)
def test_openslo_refs_bad_ratio_and_condition_without_alert_after(severity, lookback, expected):
    text = SERVICE_SLI_POLICY.replace("SEVERITY", severity).replace("LOOKBACK", lookback)
    slo = one(parse_text(text, "checkout.yaml"))

    assert (slo.name, slo.service, slo.target) == ("checkout-availability", "checkout", 99.9)
    assert slo.window == Window(type="rolling", duration=timedelta(days=28))
    assert (slo.budgeting.method, slo.budgeting.timeslice_target) == ("occurrences", None)
    assert (slo.sli.type, slo.sli.source, slo.sli.good_metric) == ("error_rate", "metric", None)
    checkout = {"service": "checkout", "service.name": "checkout"}  # `service` is just a label; scoped to the SLO's
    assert slo.sli.bad_metric == MetricSelector(
        name="http_server_requests_total", attributes=checkout, matchers=[Matcher(key="status", op="=~", value="5..")]
    )
    assert slo.sli.total_metric == MetricSelector(name="http_server_requests_total", attributes=checkout)
    assert slo.alerts == [expected]


def test_openslo_window_budgeting_and_target_variants():
    text = (OPENSLO / "slos.yaml").read_text()
    # RatioTimeslices; a calendar month with isRolling left out (the spec: then false); targetPercent
    variant = (
        text.replace("budgetingMethod: Timeslices", "budgetingMethod: RatioTimeslices")
        .replace("      - duration: 1w\n        isRolling: false\n", "      - duration: 1M\n")
        .replace("target: 0.995", "targetPercent: 99.95")
    )
    slo = one(parse_text(variant, "variant.yaml"))
    assert slo.window == Window(type="calendar", unit="month", timezone="America/New_York")
    assert (slo.budgeting.method, slo.budgeting.timeslice_target) == ("timeslices", 0.95)
    assert slo.target == 99.95

    rolling = one(parse_text(text.replace("isRolling: false", "isRolling: true").replace("1w", "4w"), "r.yaml"))
    assert rolling.window == Window(type="rolling", duration=timedelta(weeks=4))

    occurrences = one(parse_text(text.replace("Timeslices", "Occurrences"), "o.yaml"))
    assert (occurrences.budgeting.method, occurrences.budgeting.timeslice_target) == ("occurrences", None)


def test_openslo_several_objectives_become_one_slo_each():
    text = (OPENSLO / "slos.yaml").read_text()
    two = text + "      - displayName: SLA\n        target: 0.99\n        timeSliceTarget: 0.9\n"
    slos = parse_text(two, "two.yaml")
    assert [(s.name, s.target, s.budgeting.timeslice_target) for s in slos] == [
        ("web-availability-Good", 99.5, 0.95),
        ("web-availability-SLA", 99.0, 0.9),
    ]


@pytest.mark.parametrize(
    ("fixture", "field", "says"),
    [
        # placeholder metric sources in the spec's budgeting-method examples
        ("occurences-slo.yaml", "SLI search-latency.spec.thresholdMetric.metricSource.type", "'Any' is not supported"),
        # oslo's SLO + SLI + DataSource example reads CloudWatch
        ("oslo-multi-cloudwatch.yaml", "SLI foo-sli.spec.thresholdMetric.metricSource.type", "'CloudWatch'"),
        # `1m` is one minute in OpenSLO's duration-shorthand, not a calendar unit
        ("timeslices-slo.yaml", "SLO service-availability.spec.timeWindow[0]", "not 1m"),
        # the README's inline-SLI example gives no timeWindow (and reads Datadog, see below)
        ("readme-inline-sli.yaml", "SLO foo-slo.spec.timeWindow", "timeWindow"),
    ],
)
def test_openslo_examples_we_cannot_evaluate_are_refused_naming_the_field(fixture, field, says):
    path = OPENSLO / fixture
    exc = spec_error(path)
    assert str(exc).startswith(f"{path}: {field}: ")
    assert says in exc.message


def test_openslo_datadog_metric_source_is_refused_naming_the_field():
    text = (OPENSLO / "readme-inline-sli.yaml").read_text()
    text = text.replace("  objectives:", "  timeWindow:\n    - duration: 28d\n      isRolling: true\n  objectives:")
    with pytest.raises(SLOSpecError) as info:
        parse_text(text, "readme.yaml")
    assert re.fullmatch(r"SLI foo-error\.spec\.ratioMetric\.(good|total)\.metricSource\.type", info.value.field or "")
    assert "metricSource type 'Datadog' is not supported" in str(info.value)
    assert str(info.value).startswith("readme.yaml: ")


def test_openslo_v1alpha_is_refused_by_apiversion():
    path = SLOTH / "openslo-getting-started.yml"  # Sloth's OpenSLO example is openslo/v1alpha
    exc = spec_error(path)
    assert str(exc).startswith(f"{path}: SLO sloth-slo-my-service.apiVersion: ")
    assert "'openslo/v1alpha' is not supported" in exc.message


# -- Sloth ---------------------------------------------------------------------------------------
MYSERVICE_BAD = MetricSelector(
    name="http_request_duration_seconds_count",
    attributes={"job": "myservice"},
    matchers=[Matcher(key="code", op="=~", value="(5..|429)")],
)
MYSERVICE_TOTAL = MetricSelector(name="http_request_duration_seconds_count", attributes={"job": "myservice"})


def test_sloth_getting_started_imports_with_the_workbook_alerts():
    slo = one(load_file(SLOTH / "getting-started.yml"))

    assert (slo.name, slo.service) == ("myservice-requests-availability", "myservice")
    assert slo.description == "Common SLO based on availability for HTTP request responses."
    assert slo.target == 99.9
    assert slo.window == Window(type="rolling", duration=timedelta(days=30))
    assert slo.budgeting.method == "occurrences"
    assert (slo.sli.type, slo.sli.source) == ("error_rate", "metric")
    assert slo.sli.bad_metric == MYSERVICE_BAD
    assert slo.sli.total_metric == MYSERVICE_TOTAL
    assert slo.sli.good_metric is None
    assert slo.labels == {"owner": "myteam", "repo": "myorg/myservice", "tier": "2"}
    assert slo.alerts == WORKBOOK_30D


def test_sloth_kubernetes_crd_imports_the_same_slo():
    assert load_file(SLOTH / "k8s-getting-started.yml") == load_file(SLOTH / "getting-started.yml")


def test_sloth_no_alerts_and_multiline_queries():
    slo = one(load_file(SLOTH / "no-alerts.yml"))
    assert (slo.name, slo.service, slo.target) == ("myapp-http-availability", "myapp", 99.99)
    assert slo.alerts == []  # page_alert and ticket_alert both disabled
    assert slo.sli.bad_metric == MetricSelector(
        name="http_request_duration_seconds_count",
        attributes={"job": "myapp"},
        matchers=[Matcher(key="code", op="=~", value="(5..|429)")],
    )
    assert slo.sli.total_metric == MetricSelector(
        name="http_request_duration_seconds_count", attributes={"job": "myapp"}
    )


def test_sloth_selectors_without_a_job_watch_the_slo_service():
    text = """version: prometheus/v1
service: api
slos:
  - name: availability
    objective: 99
    sli:
      events:
        error_query: sum(rate(http_requests_total{job=~"api|api-canary",code="500"}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
"""
    slo = one(parse_text(text, "api.yml"))
    assert slo.sli.bad_metric == MetricSelector(
        name="http_requests_total",
        attributes={"code": "500"},
        matchers=[Matcher(key="job", op="=~", value="api|api-canary")],
    )  # names its service(s) with `job`: kept as written
    assert slo.sli.total_metric == MetricSelector(name="http_requests_total", attributes={"service.name": "api"})


def test_sloth_multifile_gives_one_slo_per_service():
    slos = load_file(SLOTH / "multifile.yml")
    assert [(s.name, s.service, s.target, s.labels["owner"], s.labels["tier"]) for s in slos] == [
        ("myservice-requests-availability", "myservice", 99.9, "myteam", "2"),
        ("myservice2-requests-availability", "myservice2", 99.99, "myteam2", "1"),
    ]


@pytest.mark.parametrize(
    ("fixture", "key", "indent"),
    [("getting-started.yml", "page_alert", 6), ("k8s-getting-started.yml", "pageAlert", 8)],
)
@pytest.mark.parametrize("disabled", ["page", "ticket"])
def test_sloth_disabled_alert_drops_its_workbook_rules(fixture, key, indent, disabled):
    key = key.replace("page", disabled)
    text = (SLOTH / fixture).read_text()
    head = " " * indent + key + ":\n"
    assert head in text
    slo = one(parse_text(text.replace(head, head + " " * (indent + 2) + "disable: true\n"), fixture))
    assert slo.alerts == [r for r in WORKBOOK_30D if r.severity != disabled]


@pytest.mark.parametrize(
    ("fixture", "field", "says"),
    [
        ("raw-home-wifi.yml", "slos[0].sli", "raw SLIs are Prometheus expressions OllyStack cannot evaluate"),
        ("plugin-getting-started.yml", "slos[0].sli", "plugin SLIs are Prometheus expressions"),
        # sum_over_time((count(x < 0.75))[w:]) OR on() vector(0): not one counter selector
        ("home-wifi.yml", "slos[0].sli.events.error_query", "unifipoller_client_satisfaction_ratio < 0.75"),
        # the first SLO imports; the second's error_query subtracts two series
        ("kubernetes-apiserver.yml", "slos[1].sli.events.error_query", "apiserver_request_duration_seconds_bucket"),
    ],
)
def test_sloth_examples_we_cannot_evaluate_are_refused_naming_the_field(fixture, field, says):
    path = SLOTH / fixture
    exc = spec_error(path)
    assert str(exc).startswith(f"{path}: {field}: ")
    assert says in exc.message


# -- native format -------------------------------------------------------------------------------
def test_native_fixtures():
    slos = {s.name: s for s in load_dir(NATIVE)}
    assert sorted(slos) == ["checkout-errors", "checkout-latency", "payments-monthly", "payments-monthly-paris"]

    latency = slos["checkout-latency"]
    assert latency.service == "checkout"  # from the file's defaults beside `slos:`
    assert latency.target == 99.9  # target: "99.9%"
    assert latency.description == "Checkout answers within 300 ms"
    assert latency.window == Window(type="rolling", duration=timedelta(days=30))
    assert (latency.sli.type, latency.sli.source, latency.sli.threshold_ms) == ("latency", "spans", 300)
    assert latency.sli.route == "/api/checkout"
    assert latency.alerts == WORKBOOK_30D  # alerts left out: the defaults

    errors = slos["checkout-errors"]
    assert (errors.service, errors.target) == ("checkout", 99.5)
    assert (errors.sli.type, errors.sli.errors) == ("error_rate", "http_5xx")
    assert errors.window == Window(type="rolling", duration=timedelta(days=7))
    # budget_consumed 2% of a 7-day budget in 1h: 0.02 x 168h / 1h
    assert errors.alerts[0].burn_rate == pytest.approx(3.36)
    assert errors.alerts == [rule("page", "1h", "5m", errors.alerts[0].burn_rate), rule("ticket", "1d", "2h", 3)]

    monthly = slos["payments-monthly"]
    assert monthly.window == Window(type="calendar", unit="month", timezone="UTC")  # `window: calendar month`
    assert monthly.alerts == WORKBOOK_30D  # a calendar month counts as 30 days

    paris = slos["payments-monthly-paris"]
    assert paris.window == Window(type="calendar", unit="month", timezone="Europe/Paris")
    assert (paris.budgeting.method, paris.budgeting.timeslice_target) == ("timeslices", 0.99)
    assert paris.alerts == []  # alerts: none
    assert paris.sli.good_metric == MetricSelector(
        name="http.server.requests",
        attributes={"service.name": "payments"},
        matchers=[Matcher(key="http.response.status_code", op="!~", value="5..")],
    )


NATIVE_BASE = "name: api\nservice: api\nsli: {type: error_rate}\n"


@pytest.mark.parametrize(
    ("lines", "window"),
    [
        ("target: 99.9\nwindow: 30d", Window(type="rolling", duration=timedelta(days=30))),
        ('target: "99.9%"\nwindow: month', Window(type="calendar", unit="month")),
        ("target: 99.9\nwindow: calendar month", Window(type="calendar", unit="month")),
        ("target: 99.9\nwindow: Calendar Quarter", Window(type="calendar", unit="quarter")),
        (
            "target: 99.9\nwindow: {type: calendar, unit: week, timezone: Asia/Tokyo}",
            Window(type="calendar", unit="week", timezone="Asia/Tokyo"),
        ),
    ],
)
def test_native_windows_and_percent_targets(lines, window):
    slo = one(parse_text(NATIVE_BASE + lines + "\n", "api.yaml"))
    assert slo.target == 99.9
    assert slo.window == window


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("30d", WORKBOOK_30D),
        ("7d", WORKBOOK_7D),
        ("week", WORKBOOK_7D),
        (
            "28d",  # x 28/30: 56m/5m (4.67 rounds to 5), 336m/28m, 1344m/112m, 4032m/336m
            [
                rule("page", minutes(56), minutes(5), 14.4),
                rule("page", minutes(336), minutes(28), 6),
                rule("ticket", minutes(1344), minutes(112), 3),
                rule("ticket", minutes(4032), minutes(336), 1),
            ],
        ),
    ],
)
@pytest.mark.parametrize("alerts", ["", "alerts: default\n"])
def test_native_default_alerts_scale_with_the_window(window, expected, alerts):
    slo = one(parse_text(f"{NATIVE_BASE}target: 99.9\nwindow: {window}\n{alerts}", "api.yaml"))
    assert slo.alerts == expected


def test_native_alerts_none_and_budget_consumed():
    assert one(parse_text(NATIVE_BASE + "target: 99\nwindow: 30d\nalerts: none\n")).alerts == []
    assert one(parse_text(NATIVE_BASE + "target: 99\nwindow: 30d\nalerts: []\n")).alerts == []
    text = NATIVE_BASE + (
        "target: 99\nwindow: 30d\nalerts:\n"
        "  - {severity: page, long_window: 1h, short_window: 5m, budget_consumed: 0.02}\n"
        "  - {severity: ticket, long_window: 3d, short_window: 6h, budget_consumed: 0.1}\n"
    )
    page, ticket = one(parse_text(text)).alerts
    # the Workbook's own spend figures give back its burn rates: 2% in 1h of 30d = 14.4x, 10% in 3d = 1x
    assert (page.severity, page.long_window, page.short_window) == ("page", timedelta(hours=1), minutes(5))
    assert page.burn_rate == pytest.approx(14.4)
    assert (ticket.severity, ticket.long_window, ticket.short_window) == ("ticket", timedelta(days=3), minutes(360))
    assert ticket.burn_rate == pytest.approx(1.0)


ROUND_TRIP = [
    NATIVE / "checkout.yaml",
    NATIVE / "payments.yaml",
    OPENSLO / "slos.yaml",
    OPENSLO / "alerting.yaml",
    SLOTH / "getting-started.yml",
    SLOTH / "multifile.yml",
    SLOTH / "no-alerts.yml",
]


@pytest.mark.parametrize("path", ROUND_TRIP, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_to_yaml_round_trips(path):
    slos = load_file(path)
    text = to_yaml(slos)
    assert "apiVersion" not in text and "version: prometheus" not in text  # native, whatever came in
    assert parse_text(text, "roundtrip.yaml") == slos


# -- errors name the file and the field ----------------------------------------------------------
OPENSLO_SET = SERVICE_SLI_POLICY.replace("SEVERITY", "page").replace("LOOKBACK", "1h")
GOOD_NATIVE = "name: api\nservice: api\ntarget: 99.9\nwindow: 30d\nsli: {type: error_rate}\n"
SLOTH_SPEC = """version: prometheus/v1
service: api
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: ERROR_QUERY
        total_query: sum(rate(http_requests_total{job="api"}[{{.window}}]))
"""


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        (
            GOOD_NATIVE.replace("{type: error_rate}", "{type: latency, route: /pay}"),
            "slo 'api': sli",
            "a latency SLI needs threshold_ms (or threshold: 300ms)",
        ),
        (
            GOOD_NATIVE.replace("{type: error_rate}", "{type: latency, threshold: fast}"),
            "slo 'api': sli.threshold",
            "'fast' is not a duration",
        ),
        (GOOD_NATIVE.replace("99.9", "150"), "slo 'api': target", "less than 100"),
        (GOOD_NATIVE.replace("99.9", '"150%"'), "slo 'api': target", "less than 100"),
        (GOOD_NATIVE.replace("target:", "tagret:"), "slo 'api': target", "Field required (and 1 more problem)"),
        (
            GOOD_NATIVE.replace("30d", "{unit: month, timezone: Europe/Paaris}"),
            "slo 'api': window.timezone",
            "unknown time zone 'Europe/Paaris'",
        ),
        (GOOD_NATIVE.replace("30d", "fortnight"), "slo 'api': window.duration", "'fortnight' is not a duration"),
        (
            GOOD_NATIVE + "alerts:\n  - {severity: page, long_window: 1h, short_window: 5m, burn_rate: 14.4}\n"
            "  - {severity: page, long_window: 30m, short_window: 1h, burn_rate: 6}\n",
            "slo 'api': alerts[1]",
            "short_window must be shorter than long_window",
        ),
        (
            GOOD_NATIVE + "alerts:\n  - {severity: page, long_window: 1h, short_window: 1h, burn_rate: 14.4}\n",
            "slo 'api': alerts[0]",
            "short_window must be shorter than long_window",
        ),
        (
            GOOD_NATIVE + "alerts:\n  - {severity: sms, long_window: 1h, short_window: 5m, burn_rate: 14.4}\n",
            "slo 'api': alerts[0].severity",
            "'page' or 'ticket'",
        ),
        (
            OPENSLO_SET.replace("indicatorRef: checkout-errors", "indicatorRef: checkout-latency"),
            "SLO checkout-availability.spec.indicatorRef",
            "indicatorRef 'checkout-latency' names no SLI in this file",
        ),
        (
            OPENSLO_SET.replace("target: 0.999", "target: 99.9"),
            "SLO checkout-availability.spec.objectives[0].target",
            "target is a fraction between 0 and 1",
        ),
        (
            OPENSLO_SET.replace("    - burn\n", "    - fast-burn\n"),
            "SLO checkout-availability.spec.alertPolicies",
            "unknown AlertPolicy 'fast-burn'",
        ),
        (
            SERVICE_SLI_POLICY.replace("SEVERITY", "page").replace("LOOKBACK", "1m"),  # 1m/12 -> a 1m short window
            "AlertCondition burn.spec.condition",
            "short_window must be shorter than long_window",
        ),
        (
            OPENSLO_SET.replace("kind: burnrate", "kind: threshold"),
            "AlertCondition burn.spec.condition.kind",
            "only burnrate conditions are supported",
        ),
        (
            OPENSLO_SET.replace("[5m]))", "[5m])) / sum(rate(other_total[5m]))"),
            "SLI checkout-errors.spec.ratioMetric.total.metricSource.spec.query",
            "only one selector inside sum/rate/increase",
        ),
        (
            SLOTH_SPEC.replace("ERROR_QUERY", 'sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) * 2'),
            "slos[0].sli.events.error_query",
            "only one selector",
        ),
        (
            SLOTH_SPEC.replace("ERROR_QUERY", "histogram_quantile(0.99, sum(rate(latency_bucket[5m])) by (le))"),
            "slos[0].sli.events.error_query",
            "cannot read 'histogram_quantile",
        ),
        (GOOD_NATIVE.replace("{type: error_rate}", "{type: error_rate"), "line 6", "not valid YAML"),
        (GOOD_NATIVE.replace("service: api", "service: api\n  owner: me"), "line 3", "not valid YAML"),
        (GOOD_NATIVE + "---\n" + GOOD_NATIVE, "name", "SLO 'api' is defined twice"),
    ],
)
def test_invalid_definitions_name_file_and_field(tmp_path, text, field, says):
    path = tmp_path / "bad-slo.yaml"
    path.write_text(text)
    exc = spec_error(path)
    assert str(exc).startswith(f"{path}: {field}: "), str(exc)
    assert says in str(exc)


def test_duplicate_names_across_files_in_a_directory(tmp_path):
    # getting-started.yml and its Kubernetes twin both define myservice-requests-availability
    shutil.copy(SLOTH / "getting-started.yml", tmp_path / "getting-started.yml")
    (tmp_path / "k8s").mkdir()
    shutil.copy(SLOTH / "k8s-getting-started.yml", tmp_path / "k8s" / "k8s-getting-started.yml")
    with pytest.raises(SLOSpecError) as info:
        load_dir(tmp_path)
    assert str(info.value) == (
        f"{tmp_path / 'k8s' / 'k8s-getting-started.yml'}: name: SLO 'myservice-requests-availability' "
        f"is also defined in {tmp_path / 'getting-started.yml'}"
    )


def test_load_dir_reads_yaml_recursively_and_nothing_else(tmp_path):
    (tmp_path / "team" / "payments").mkdir(parents=True)
    shutil.copy(SLOTH / "no-alerts.yml", tmp_path / "team" / "payments" / "no-alerts.yml")
    shutil.copy(NATIVE / "checkout.yaml", tmp_path / "checkout.yaml")
    (tmp_path / "README.md").write_text("not: [an, slo\n")
    (tmp_path / "notes.txt").write_text("name: x\n")
    assert [s.name for s in load_dir(tmp_path)] == ["checkout-latency", "checkout-errors", "myapp-http-availability"]
    assert load_dir(tmp_path / "missing") == []


# -- CLI -----------------------------------------------------------------------------------------
runner = CliRunner()


def cli(*args: str | Path):
    return runner.invoke(app, ["slo", *map(str, args)], env={"COLUMNS": "400"})


def flat(text: str) -> str:
    return " ".join(text.split())


def test_cli_validate_lists_the_slos_of_good_files():
    result = cli("validate", OPENSLO / "slos.yaml", SLOTH / "getting-started.yml", NATIVE)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "ok default/web-availability: 99.5% availability of web over calendar week (America/New_York), " in out
    assert "ok default/myservice-requests-availability: 99.9% error_rate of myservice over rolling 30d, 4 alert" in out
    assert "ok default/checkout-latency: 99.9% latency of checkout over rolling 30d, 4 alert rule(s)" in out
    assert (
        "ok default/payments-monthly-paris: 99% availability of payments over calendar month (Europe/Paris), 0" in out
    )
    assert out.count("ok default/") == 6


def test_cli_validate_json():
    result = cli("validate", "--json", SLOTH / "no-alerts.yml")
    assert result.exit_code == 0, result.output
    (got,) = json.loads(result.stdout)
    assert (got["name"], got["target"], got["window"], got["alerts"]) == ("myapp-http-availability", 99.99, "30d", [])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (SLOTH / "home-wifi.yml", "slos[0].sli.events.error_query"),
        (OPENSLO / "oslo-multi-cloudwatch.yaml", "SLI foo-sli.spec.thresholdMetric.metricSource.type"),
    ],
)
def test_cli_validate_bad_file_exits_2_naming_file_and_field(path, field):
    result = cli("validate", NATIVE / "checkout.yaml", path)
    assert result.exit_code == 2
    assert f"{path}: {field}: " in flat(result.stderr)
    assert "ok " not in result.stdout  # nothing is reported valid when one file is not


def test_cli_validate_directory_with_duplicates_exits_2(tmp_path):
    shutil.copy(SLOTH / "getting-started.yml", tmp_path / "a.yml")
    shutil.copy(SLOTH / "multifile.yml", tmp_path / "b.yml")
    result = cli("validate", tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path / 'b.yml'}: name: SLO 'myservice-requests-availability' is also defined in " in flat(
        result.stderr
    )


@pytest.mark.parametrize("path", [OPENSLO / "alerting.yaml", SLOTH / "multifile.yml"], ids=lambda p: p.name)
def test_cli_import_prints_native_yaml_that_reads_back_equal(path):
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert "apiVersion" not in result.stdout and "prometheus/v1" not in result.stdout
    assert parse_text(result.stdout, "imported.yaml") == load_file(path)


def test_cli_import_to_a_file(tmp_path):
    out = tmp_path / "native.yaml"
    result = cli("import", SLOTH / "k8s-getting-started.yml", "--output", out)
    assert result.exit_code == 0, result.output
    assert load_file(out) == load_file(SLOTH / "getting-started.yml")


def test_cli_import_of_an_unsupported_example_exits_2():
    path = SLOTH / "raw-home-wifi.yml"
    result = cli("import", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}: slos[0].sli: raw SLIs" in flat(result.stderr)
