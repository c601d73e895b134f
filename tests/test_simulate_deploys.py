"""Deployments: routine releases, bad deploys and rollbacks, in the telemetry and as webhooks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ollystack.simulate.deploys import Releases, github_event, gitlab_event
from ollystack.simulate.faults import Fault, FaultKind
from ollystack.simulate.generator import ShopSimulator
from ollystack.simulate.topology import build_shop
from ollystack.simulate.traffic import TrafficModel

MONDAY = datetime(2026, 11, 2, tzinfo=UTC).timestamp()
DAY = 86_400.0


def test_releases_happen_on_weekday_office_hours_and_agree_across_windows():
    shop = build_shop(3)
    releases = Releases(shop, [], seed=3)
    two_weeks = releases.between(MONDAY, MONDAY + 14 * DAY)
    assert 10 <= len(two_weeks) <= 80
    for dep in two_weeks:
        when = datetime.fromtimestamp(dep.time, UTC)
        assert when.weekday() < 5 and 9 <= when.hour < 17
        assert dep.version != dep.previous and dep.reason == "release"
    split = releases.between(MONDAY, MONDAY + 5 * DAY) + releases.between(MONDAY + 5 * DAY, MONDAY + 14 * DAY)
    assert split == two_weeks
    again = Releases(build_shop(3), [], seed=3)
    assert [again.version_at(d.role, d.time + 1) for d in two_weeks] == [d.version for d in two_weeks]


def test_spans_switch_version_at_the_release():
    shop = build_shop(0)
    sim = ShopSimulator(shop, TrafficModel(base_rps=2, seed=1), seed=1)
    release = next(d for d in sim.releases.between(MONDAY, MONDAY + 7 * DAY) if d.role in ("gateway", "frontend"))
    produced = sim.run(release.time - 300, release.time + 300)
    seen = {
        (s.resource.attributes["service.version"], s.start_time >= release.time * 1e9)
        for s in produced.spans
        if s.resource.attributes["service.name"] == release.service
    }
    assert seen == {(release.previous, False), (release.version, True)}
    assert release in produced.deployments


def test_a_bad_deploy_and_its_rollback_are_deployments_too():
    shop = build_shop(0)
    start = MONDAY + 6 * DAY + 3600  # a Sunday: no routine release in the way
    fault = Fault(FaultKind.BAD_DEPLOY, "payments", start, start + 1800)
    releases = Releases(shop, [fault], seed=0)
    deps = releases.between(start - 60, start + 3600)
    assert [d.reason for d in deps] == ["bad_deploy", "rollback"]
    bad, rollback = deps
    assert bad.previous == rollback.version and bad.version == rollback.previous


def test_webhook_payloads_have_the_fields_the_providers_send():
    dep = Releases(build_shop(0), [], seed=0).between(MONDAY, MONDAY + 7 * DAY)[0]
    gh = json.loads(json.dumps(github_event(dep)))
    assert gh["action"] == "created" and gh["deployment_status"]["state"] == "success"
    assert gh["deployment"]["sha"] == dep.sha and gh["deployment"]["ref"] == f"v{dep.version}"
    assert gh["repository"]["full_name"].endswith(f"/{dep.service}")
    gl = json.loads(json.dumps(gitlab_event(dep)))
    assert gl["object_kind"] == "deployment" and gl["status"] == "success"
    assert gl["short_sha"] == dep.sha[:8] and gl["project"]["name"] == dep.service
