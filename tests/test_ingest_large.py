"""Large requests (decoded off the event loop) land whole over HTTP and gRPC."""

from __future__ import annotations

import grpc
import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2_grpc import TraceServiceStub

from bench.payloads import trace_request
from ollystack.ingest.otlp import OFFLOAD_BYTES
from tests.conftest import start_service


def test_requests_over_the_offload_size_are_stored_whole(tmp_path):
    big_http, big_grpc = trace_request(6000, 1), trace_request(6000, 2)
    assert big_http.ByteSize() > OFFLOAD_BYTES
    svc = start_service(tmp_path)
    try:
        resp = httpx.post(f"{svc.http_url}/v1/traces", content=big_http.SerializeToString(),
                          headers={"Content-Type": "application/x-protobuf"}, timeout=60)  # fmt: skip
        assert resp.status_code == 200
        with grpc.insecure_channel(f"127.0.0.1:{svc.otlp_grpc}") as channel:
            TraceServiceStub(channel).Export(big_grpc, timeout=60)
        assert svc.stop() == 0
    finally:
        svc.kill()
    store = svc.open_store()
    try:
        assert store.client.query("SELECT count() FROM otel_traces").result_rows[0][0] == 12_000
    finally:
        store.close()
