"""Items older than the retention period are rejected up front instead of vanishing after a 200."""

from __future__ import annotations

import os
import time

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.conftest import start_service

DAY_NS = 86_400 * 1_000_000_000


def _request(start_times: list[int]) -> ExportTraceServiceRequest:
    req = ExportTraceServiceRequest()
    scope = req.resource_spans.add().scope_spans.add()
    for i, start in enumerate(start_times):
        scope.spans.add(
            trace_id=os.urandom(16), span_id=os.urandom(8), name=f"op{i}",
            start_time_unix_nano=start, end_time_unix_nano=start + 1000,
        )  # fmt: skip
    return req


def test_spans_older_than_retention_are_reported_rejected_not_silently_dropped(tmp_path):
    svc = start_service(tmp_path, {"OLLYSTACK_RETENTION_TRACES_DAYS": "1"})
    try:
        now = time.time_ns()
        req = _request([now - 3 * DAY_NS, now - 60 * 1_000_000_000, now])
        resp = httpx.post(
            f"{svc.http_url}/v1/traces",
            content=req.SerializeToString(),
            headers={"Content-Type": "application/x-protobuf"},
        )
        assert resp.status_code == 200
        answer = ExportTraceServiceResponse.FromString(resp.content)
        assert answer.partial_success.rejected_spans == 1
        assert "retention" in answer.partial_success.error_message
        assert svc.stop() == 0
    finally:
        svc.kill()
    store = svc.open_store()
    try:
        names = {r[0] for r in store.client.query("SELECT SpanName FROM otel_traces").result_rows}
        assert names == {"op1", "op2"}
    finally:
        store.close()
