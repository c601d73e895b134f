"""The OTLP receivers refuse bad requests with the status the OTLP spec names, and write nothing for them.

Why: exporters decide from the status whether to retry (429/503, RESOURCE_EXHAUSTED,
UNAVAILABLE) or drop (400/401/413/415, INVALID_ARGUMENT, UNAUTHENTICATED); a 5xx for a bad
body makes them retry it forever, and a rejected request that still writes rows breaks the
"acknowledged means stored, refused means not stored" contract.

Everything runs against one real `ollystack serve` subprocess (auth on, a 64 KiB body limit).
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import orjson
import pytest
from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from prometheus_client.parser import text_string_to_metric_families

from bench.payloads import log_request, trace_request
from tests.conftest import ServiceProc, start_service

KEY = "good-key-123"  # tenant acme
FUZZ_KEY = "fuzz-key-456"  # tenant fuzz: the fuzz test's accepted rows stay out of acme's counts
LIMIT = 65_536
PROTOBUF = "application/x-protobuf"
JSON = "application/json"
PB = {"content-type": PROTOBUF, "authorization": f"Bearer {KEY}"}
JS = {"content-type": JSON, "authorization": f"Bearer {KEY}"}
ALL_ROWS = {"limit": "10000", "from": "2000-01-01T00:00:00Z"}


# -- fixtures and helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProc]:
    s = start_service(
        tmp_path_factory.mktemp("ingest-errors"),
        {
            "OLLYSTACK_API_KEYS": f"{KEY}=acme,{FUZZ_KEY}=fuzz",
            "OLLYSTACK_MAX_REQUEST_BYTES": str(LIMIT),
            # keep old rows: the many-days tests write items dated months back
            "OLLYSTACK_RETENTION_TRACES_DAYS": "0",
            "OLLYSTACK_RETENTION_LOGS_DAYS": "0",
            "OLLYSTACK_RETENTION_METRICS_DAYS": "0",
        },
    )
    try:
        yield s
    finally:
        s.kill()


@pytest.fixture(scope="module")
def http(svc: ServiceProc) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.http_url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def api(svc: ServiceProc) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=svc.api_url, timeout=30, headers={"authorization": f"Bearer {KEY}"}) as c:
        yield c


@pytest.fixture(scope="module")
def channel(svc: ServiceProc) -> Iterator[grpc.Channel]:
    ch = grpc.insecure_channel(f"127.0.0.1:{svc.otlp_grpc}")
    try:
        yield ch
    finally:
        ch.close()


def span_ids(req: ExportTraceServiceRequest) -> set[str]:
    return {sp.span_id.hex() for rs in req.resource_spans for ss in rs.scope_spans for sp in ss.spans}


def to_otlp_json(msg: Any) -> dict[str, Any]:
    """The OTLP/JSON encoding of a request: protobuf JSON with ids as hex instead of base64."""

    def fix(node: Any) -> Any:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                    node[k] = base64.b64decode(v).hex()
                elif k != "attributes":
                    fix(v)
        elif isinstance(node, list):
            for item in node:
                fix(item)
        return node

    return fix(json_format.MessageToDict(msg))


def pb_status(resp: httpx.Response) -> status_pb2.Status:
    assert resp.headers["content-type"].startswith(PROTOBUF), resp.headers
    return status_pb2.Status.FromString(resp.content)


def json_status(resp: httpx.Response) -> dict[str, Any]:
    assert resp.headers["content-type"].startswith(JSON), resp.headers
    body = resp.json()
    assert set(body) >= {"code", "message"}, body
    return body


def stored_rows(api: httpx.Client, table: str) -> int:
    """Rows of a telemetry table over all tenants (an operator's view through the API)."""
    stats = api.get("/api/v1/db/stats")
    assert stats.status_code == 200, stats.text
    return next(t["rows"] for t in stats.json()["tables"] if t["table"] == table)


def tenant_span_ids(api: httpx.Client) -> set[str]:
    resp = api.get("/api/v1/traces", params=ALL_ROWS)
    assert resp.status_code == 200, resp.text
    return {r["SpanId"] for r in resp.json()["rows"]}


def counters(svc: ServiceProc) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"{svc.api_url}/metrics", timeout=10).text
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def requests_counter(snapshot: dict, result: str, protocol: str = "http", signal: str = "traces") -> float:
    labels = (("protocol", protocol), ("result", result), ("signal", signal))
    return snapshot.get(("ollystack_ingest_requests_total", labels), 0.0)


# -- HTTP: malformed bodies -------------------------------------------------------------------------


def test_malformed_protobuf_is_400_with_a_status_naming_the_problem(http: httpx.Client) -> None:
    resp = http.post("/v1/traces", content=b"\xff\xff\xff\xff garbage", headers=PB)
    assert resp.status_code == 400
    status = pb_status(resp)
    assert status.code == 3  # INVALID_ARGUMENT
    assert "invalid protobuf" in status.message
    assert "ExportTraceServiceRequest" in status.message


def test_truncated_protobuf_is_400(http: httpx.Client) -> None:
    body = trace_request(20, 1).SerializeToString()
    cut = body[: len(body) // 2]
    with pytest.raises(DecodeError):
        ExportTraceServiceRequest.FromString(cut)  # the cut really is invalid, not a shorter valid message
    resp = http.post("/v1/traces", content=cut, headers=PB)
    assert resp.status_code == 400
    assert pb_status(resp).code == 3


def test_malformed_json_is_400_with_a_json_status(http: httpx.Client) -> None:
    resp = http.post("/v1/traces", content=b'{"resourceSpans": [', headers=JS)
    assert resp.status_code == 400
    body = json_status(resp)
    assert body["code"] == 3
    assert "invalid JSON" in body["message"]


@pytest.mark.parametrize(
    "doc",
    [
        {"resourceSpans": "x"},
        {"resourceSpans": [{"scopeSpans": {"spans": 1}}]},
        {"resourceSpans": [{"scopeSpans": [{"spans": [{"name": {"a": 1}}]}]}]},
        [],
        "resourceSpans",
    ],
    ids=["spans-is-string", "scope-is-object", "name-is-object", "top-level-array", "top-level-string"],
)
def test_json_of_the_wrong_shape_is_400(http: httpx.Client, doc: Any) -> None:
    resp = http.post("/v1/traces", content=orjson.dumps(doc), headers=JS)
    assert resp.status_code == 400
    body = json_status(resp)
    assert body["code"] == 3 and body["message"]


def test_bad_hex_trace_id_in_json_is_400_naming_the_field(http: httpx.Client) -> None:
    doc = to_otlp_json(trace_request(3, 2))
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] = "zz" * 16
    resp = http.post("/v1/traces", content=orjson.dumps(doc), headers=JS)
    assert resp.status_code == 400
    body = json_status(resp)
    assert "traceId" in body["message"] and "not hex" in body["message"]


def test_request_whose_every_span_is_invalid_is_400(http: httpx.Client) -> None:
    bad = trace_request(3, 3)
    for rs in bad.resource_spans:
        for ss in rs.scope_spans:
            for sp in ss.spans:
                sp.trace_id = b"\0" * 16
    resp = http.post("/v1/traces", content=bad.SerializeToString(), headers=PB)
    assert resp.status_code == 400
    assert "trace_id" in pb_status(resp).message


# -- HTTP: sizes, encodings, content types ----------------------------------------------------------


def test_body_over_the_limit_with_content_length_is_413(http: httpx.Client) -> None:
    body = trace_request(400, 4).SerializeToString()
    assert len(body) > LIMIT
    resp = http.post("/v1/traces", content=body, headers=PB)
    assert resp.status_code == 413
    assert "limit" in pb_status(resp).message


def test_chunked_body_over_the_limit_is_413(http: httpx.Client) -> None:
    body = trace_request(400, 5).SerializeToString()

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(body), 8192):
            yield body[i : i + 8192]

    resp = http.post("/v1/traces", content=chunks(), headers=PB)
    assert resp.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in resp.request.headers
    assert resp.status_code == 413
    assert "limit" in pb_status(resp).message


def test_gzip_bomb_is_413(http: httpx.Client) -> None:
    bomb = gzip.compress(b"\0" * (20 * LIMIT * 8))
    assert len(bomb) < LIMIT
    resp = http.post("/v1/traces", content=bomb, headers={**PB, "content-encoding": "gzip"})
    assert resp.status_code == 413
    assert "decompressed" in pb_status(resp).message


def test_invalid_gzip_is_400(http: httpx.Client) -> None:
    resp = http.post("/v1/traces", content=b"\x1f\x8b\x08not really gzip", headers={**PB, "content-encoding": "gzip"})
    assert resp.status_code == 400
    assert "gzip" in pb_status(resp).message


def test_truncated_gzip_is_400(http: httpx.Client) -> None:
    body = gzip.compress(trace_request(5, 6).SerializeToString())[:-12]
    resp = http.post("/v1/traces", content=body, headers={**PB, "content-encoding": "gzip"})
    assert resp.status_code == 400


def test_gzip_and_deflate_bodies_are_accepted(http: httpx.Client) -> None:
    raw = trace_request(3, 7).SerializeToString()
    assert http.post("/v1/traces", content=gzip.compress(raw), headers={**PB, "content-encoding": "gzip"}).is_success
    deflated = zlib.compress(raw)
    assert http.post("/v1/traces", content=deflated, headers={**PB, "content-encoding": "deflate"}).is_success


def test_unsupported_content_encoding_is_415(http: httpx.Client) -> None:
    raw = trace_request(3, 8).SerializeToString()
    resp = http.post("/v1/traces", content=raw, headers={**PB, "content-encoding": "br"})
    assert resp.status_code == 415
    assert "br" in pb_status(resp).message


@pytest.mark.parametrize("ctype", ["text/plain", "application/xml", "multipart/form-data"])
def test_wrong_content_type_is_415(http: httpx.Client, ctype: str) -> None:
    raw = trace_request(3, 9).SerializeToString()
    resp = http.post("/v1/traces", content=raw, headers={**PB, "content-type": ctype})
    assert resp.status_code == 415
    assert ctype in status_pb2.Status.FromString(resp.content).message


# -- HTTP: authentication, methods, paths -----------------------------------------------------------


def test_missing_key_is_401(http: httpx.Client) -> None:
    resp = http.post("/v1/traces", content=trace_request(2, 10).SerializeToString(), headers={"content-type": PROTOBUF})
    assert resp.status_code == 401
    status = pb_status(resp)
    assert status.code == 16  # UNAUTHENTICATED
    assert "missing API key" in status.message


def test_wrong_key_is_401_in_the_request_encoding(http: httpx.Client) -> None:
    doc = orjson.dumps(to_otlp_json(trace_request(2, 11)))
    resp = http.post("/v1/traces", content=doc, headers={**JS, "authorization": "Bearer not-the-key"})
    assert resp.status_code == 401
    assert json_status(resp)["code"] == 16
    resp = http.post("/v1/traces", content=doc, headers={"content-type": JSON, "x-ollystack-api-key": KEY[:-1]})
    assert resp.status_code == 401


@pytest.mark.parametrize(
    "auth", [{"authorization": f"Bearer {KEY}"}, {"x-ollystack-api-key": KEY}], ids=["bearer", "api-key-header"]
)
def test_good_key_in_either_header_is_200(http: httpx.Client, auth: dict[str, str]) -> None:
    resp = http.post(
        "/v1/traces", content=trace_request(2, 12).SerializeToString(), headers={"content-type": PROTOBUF, **auth}
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith(PROTOBUF)
    ExportTraceServiceResponse.FromString(resp.content)  # a (possibly empty) Export response


def test_get_is_405_and_unknown_path_404(http: httpx.Client) -> None:
    assert http.get("/v1/traces", headers=PB).status_code == 405
    assert http.post("/v1/spans", content=b"", headers=PB).status_code == 404
    assert http.post("/v2/traces", content=b"", headers=PB).status_code == 404


# -- nothing of a rejected request is written --------------------------------------------------------


def test_rejected_requests_write_nothing_and_accepted_ones_exactly_their_items(
    http: httpx.Client, api: httpx.Client
) -> None:
    before_spans, before_logs = stored_rows(api, "otel_traces"), stored_rows(api, "otel_logs")
    forbidden: set[str] = set()

    def refused(path: str, req: Any, body: bytes | Iterator[bytes], headers: dict[str, str], status: int) -> None:
        if isinstance(req, ExportTraceServiceRequest):
            forbidden.update(span_ids(req))
        resp = http.post(path, content=body, headers=headers)
        assert resp.status_code == status, (path, headers, resp.status_code, resp.content[:200])

    def rq(seed: int, n: int = 5) -> ExportTraceServiceRequest:
        return trace_request(n, 1000 + seed)

    r = rq(1)
    refused("/v1/traces", r, r.SerializeToString(), {"content-type": PROTOBUF}, 401)
    r = rq(2)
    refused("/v1/traces", r, r.SerializeToString(), {**PB, "authorization": "Bearer nope"}, 401)
    r = rq(3)
    refused("/v1/traces", r, r.SerializeToString(), {**PB, "content-type": "text/plain"}, 415)
    r = rq(4)
    refused("/v1/traces", r, r.SerializeToString(), {**PB, "content-encoding": "br"}, 415)
    r = rq(5, 20)
    refused("/v1/traces", r, r.SerializeToString()[:-7], PB, 400)  # truncated
    r = rq(6, 400)
    refused("/v1/traces", r, r.SerializeToString(), PB, 413)
    r = rq(7, 400)
    big = r.SerializeToString()
    refused("/v1/traces", r, iter([big[i : i + 8192] for i in range(0, len(big), 8192)]), PB, 413)
    r = rq(8)
    refused("/v1/traces", r, gzip.compress(r.SerializeToString())[:-9], {**PB, "content-encoding": "gzip"}, 400)
    r = rq(9)
    doc = to_otlp_json(r)
    doc["resourceSpans"][-1]["scopeSpans"][0]["spans"][-1]["spanId"] = "not-hex!"
    refused("/v1/traces", r, orjson.dumps(doc), JS, 400)
    r = rq(10)
    doc = to_otlp_json(r)
    doc["resourceSpans"].append({"scopeSpans": "x"})
    refused("/v1/traces", r, orjson.dumps(doc), JS, 400)
    r = rq(11)
    for rs in r.resource_spans:
        for ss in rs.scope_spans:
            for sp in ss.spans:
                sp.span_id = b"\x01\x02"
    refused("/v1/traces", r, r.SerializeToString(), PB, 400)  # every span invalid
    r = rq(12)
    refused("/v1/logs", None, r.SerializeToString() + b"\xff", PB, 400)  # wrong signal + trailing garbage
    resp = http.request("GET", "/v1/traces", content=rq(13).SerializeToString(), headers=PB)
    assert resp.status_code == 405

    # accepted: protobuf, OTLP/JSON, gzip, and a partial success whose valid spans only are stored
    accepted: set[str] = set()
    a = trace_request(7, 2001)
    assert http.post("/v1/traces", content=a.SerializeToString(), headers=PB).status_code == 200
    accepted |= span_ids(a)
    b = trace_request(5, 2002)
    resp = http.post(
        "/v1/traces",
        content=orjson.dumps(to_otlp_json(b)),
        headers={"content-type": JSON, "x-ollystack-api-key": KEY},
    )
    assert resp.status_code == 200
    assert resp.json() == {}  # no partialSuccess when nothing was rejected
    accepted |= span_ids(b)
    c = trace_request(3, 2003)
    resp = http.post(
        "/v1/traces", content=gzip.compress(c.SerializeToString()), headers={**PB, "content-encoding": "gzip"}
    )
    assert resp.status_code == 200
    accepted |= span_ids(c)
    d = trace_request(6, 2004)
    spans = [sp for rs in d.resource_spans for ss in rs.scope_spans for sp in ss.spans]
    for sp in spans[:2]:
        sp.span_id = b"\x07"
        forbidden.add(sp.span_id.hex())
    resp = http.post("/v1/traces", content=d.SerializeToString(), headers=PB)
    assert resp.status_code == 200
    partial = ExportTraceServiceResponse.FromString(resp.content).partial_success
    assert partial.rejected_spans == 2
    assert "span_id" in partial.error_message
    accepted |= {sp.span_id.hex() for sp in spans[2:]}

    assert stored_rows(api, "otel_traces") - before_spans == len(accepted) == 7 + 5 + 3 + 4
    assert stored_rows(api, "otel_logs") == before_logs
    stored = tenant_span_ids(api)
    assert accepted <= stored
    assert not (forbidden & stored)


# -- gRPC ---------------------------------------------------------------------------------------------


def _grpc_code(fn: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        fn()
    return info.value


def test_grpc_missing_or_bad_key_is_unauthenticated(channel: grpc.Channel) -> None:
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    req = trace_request(3, 20)
    err = _grpc_code(lambda: stub.Export(req, timeout=10))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    assert "missing API key" in err.details()
    err = _grpc_code(lambda: stub.Export(req, timeout=10, metadata=[("authorization", "Bearer wrong")]))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    err = _grpc_code(lambda: stub.Export(req, timeout=10, metadata=[("authorization", f"Basic {KEY}")]))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED


def test_grpc_garbage_bytes_are_invalid_argument(channel: grpc.Channel) -> None:
    raw = channel.unary_unary(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        request_serializer=lambda b: b,
        response_deserializer=lambda b: b,
    )
    err = _grpc_code(lambda: raw(b"\xff\xff\xff\xffjunk", timeout=10, metadata=[("authorization", f"Bearer {KEY}")]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "invalid protobuf" in err.details()
    # authentication comes first: garbage without a key is UNAUTHENTICATED, not a decode error
    err = _grpc_code(lambda: raw(b"\xff\xff\xff\xffjunk", timeout=10))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED


def test_grpc_message_over_the_limit_is_resource_exhausted(channel: grpc.Channel) -> None:
    """gRPC core enforces grpc.max_receive_message_length (= the body limit) before the handler
    runs, so an oversized message is RESOURCE_EXHAUSTED (not INVALID_ARGUMENT), with or without a key."""
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    big = trace_request(400, 21)
    assert big.ByteSize() > LIMIT
    err = _grpc_code(lambda: stub.Export(big, timeout=10, metadata=[("authorization", f"Bearer {KEY}")]))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in err.details()


@pytest.mark.parametrize(
    "meta", [("authorization", f"Bearer {KEY}"), ("x-ollystack-api-key", KEY)], ids=["bearer", "api-key"]
)
def test_grpc_good_key_is_ok_and_stored(channel: grpc.Channel, api: httpx.Client, meta: tuple[str, str]) -> None:
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    req = trace_request(4, 22)
    resp = stub.Export(req, timeout=10, metadata=[meta])
    assert not resp.HasField("partial_success")
    assert span_ids(req) <= tenant_span_ids(api)


# -- fuzzing the HTTP receiver --------------------------------------------------------------------------

OTLP_KEYS = [
    "resourceSpans", "scopeSpans", "spans", "resource", "scope", "attributes", "key", "value", "stringValue",
    "intValue", "doubleValue", "boolValue", "bytesValue", "arrayValue", "kvlistValue", "values", "traceId", "spanId",
    "parentSpanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano", "events", "links", "status", "code",
    "resourceLogs", "scopeLogs", "logRecords", "body", "timeUnixNano", "severityNumber", "resourceMetrics",
    "scopeMetrics", "metrics", "gauge", "sum", "histogram", "exponentialHistogram", "summary", "dataPoints",
    "asDouble", "asInt", "bucketCounts", "explicitBounds", "exemplars", "quantileValues", "positive", "offset",
]  # fmt: skip
SIGNAL_PATHS = ["/v1/traces", "/v1/logs", "/v1/metrics"]
PB_TYPES = [PROTOBUF, "application/protobuf", "APPLICATION/X-PROTOBUF", "application/x-protobuf; proto=otlp"]
JSON_TYPES = [JSON, "application/json; charset=utf-8", "Application/JSON"]
OTHER_TYPES = [None, "", "text/plain", "application/octet-stream", "application/x-www-form-urlencoded", "*/*"]
# mostly encodings the receiver takes, so most requests reach the decoders
ENCODINGS = [None, None, None, None, "identity", "gzip", "gzip", "deflate", "GZIP", "br", "x-gzip", "gzip, deflate"]


def _metrics_request() -> ExportMetricsServiceRequest:
    req = ExportMetricsServiceRequest()
    sm = req.resource_metrics.add().scope_metrics.add()
    sm.metrics.add(name="g").gauge.data_points.add(time_unix_nano=1_700_000_000_000_000_000, as_double=1.5)
    s = sm.metrics.add(name="s").sum
    s.is_monotonic, s.aggregation_temporality = True, 2
    s.data_points.add(time_unix_nano=1_700_000_000_000_000_000, as_int=7)
    sm.metrics.add(name="h").histogram.data_points.add(
        time_unix_nano=1_700_000_000_000_000_000, count=3, bucket_counts=[1, 2], explicit_bounds=[10.0]
    )
    return req


VALID_MESSAGES = {
    "/v1/traces": trace_request(4, 31),
    "/v1/logs": log_request(4, 32),
    "/v1/metrics": _metrics_request(),
}
VALID_PB = {path: msg.SerializeToString() for path, msg in VALID_MESSAGES.items()}
VALID_JSON = {path: to_otlp_json(msg) for path, msg in VALID_MESSAGES.items()}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "00", "0102030405060708", "0102030405060708090a0b0c0d0e0f10", "zz", "SPAN_KIND_SERVER"])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(OTLP_KEYS) | st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=30,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()  # the standard library's json: integers beyond 64 bits too


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) inside a JSON document."""
    out: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            out.append((node, k))
            out.extend(_slots(v))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.append((node, i))
            out.extend(_slots(v))
    return out


@st.composite
def mutated_json(draw: st.DrawFn, path: str) -> bytes:
    doc = copy.deepcopy(VALID_JSON[path])
    for _ in range(draw(st.integers(1, 4))):
        slots = _slots(doc)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        op = draw(st.sampled_from(["replace", "delete", "duplicate", "add-key"]))
        if op == "replace":
            container[key] = draw(json_values)
        elif op == "delete":
            del container[key]
        elif op == "duplicate":
            if isinstance(container, list):
                container.append(copy.deepcopy(container[key]))
            else:
                container[key] = [copy.deepcopy(container[key])]
        elif isinstance(container, dict):
            container[draw(st.sampled_from(OTLP_KEYS))] = draw(json_values)
    return _dumps(doc)


@st.composite
def mutated_protobuf(draw: st.DrawFn, path: str) -> bytes:
    data = bytearray(VALID_PB[path])
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, max(0, len(data) - 1)))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice", "set-byte"]))
        if op == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set-byte" and data:
            data[i] = draw(st.sampled_from([0x00, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x1A, 0x08, 0x09, 0x11]))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=12))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 24))]
        elif op == "truncate":
            del data[i:]
        elif op == "splice":
            j = draw(st.integers(i, len(data)))
            data[draw(st.integers(0, len(data))) : 0] = data[i:j]
    return bytes(data)


@st.composite
def fuzz_requests(draw: st.DrawFn) -> tuple[str, bytes, dict[str, str]]:
    path = draw(st.sampled_from(SIGNAL_PATHS))
    kind = draw(st.sampled_from(["protobuf", "json", "anything"]))
    if kind == "protobuf":
        body = draw(mutated_protobuf(path) | st.binary(max_size=600) | st.just(VALID_PB[path]))
        ctype = draw(st.sampled_from(PB_TYPES))
    elif kind == "json":
        body = draw(mutated_json(path) | json_values.map(_dumps) | st.binary(max_size=200))
        ctype = draw(st.sampled_from(JSON_TYPES))
    else:
        body = draw(st.binary(max_size=600) | json_values.map(_dumps) | mutated_protobuf(path))
        ctype = draw(st.sampled_from(PB_TYPES + JSON_TYPES + OTHER_TYPES))
    encoding = draw(st.sampled_from(ENCODINGS))
    if encoding and draw(st.booleans()):
        if encoding.lower() in ("gzip", "x-gzip"):
            body = gzip.compress(body)
        elif encoding == "deflate":
            body = zlib.compress(body)
    headers = {"authorization": f"Bearer {FUZZ_KEY}"}
    if ctype is not None:
        headers["content-type"] = ctype
    if encoding is not None:
        headers["content-encoding"] = encoding
    return path, body, headers


def test_fuzzed_http_requests_never_get_a_5xx(http: httpx.Client, svc: ServiceProc) -> None:
    seen: dict[int, int] = {}

    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(fuzz_requests())
    def check(request: tuple[str, bytes, dict[str, str]]) -> None:
        path, body, headers = request
        resp = http.post(path, content=body, headers=headers)
        seen[resp.status_code] = seen.get(resp.status_code, 0) + 1
        assert resp.status_code < 500, (resp.status_code, resp.content[:300])
        assert resp.status_code in (200, 400, 413, 415), (resp.status_code, resp.content[:300])
        if resp.status_code != 200:
            if headers.get("content-type", "").split(";")[0].strip().lower() == JSON:
                assert orjson.loads(resp.content)["code"] == 3
            else:
                assert status_pb2.Status.FromString(resp.content).code == 3

    check()
    assert svc.proc.poll() is None, "the service died while being fuzzed"
    assert seen.get(200) and seen.get(400), seen  # the fuzzer reached both the happy and the refusing paths


# -- health and self-metrics --------------------------------------------------------------------------


def test_health_and_readiness(svc: ServiceProc) -> None:
    for base in (svc.api_url, svc.http_url):
        resp = httpx.get(f"{base}/healthz", timeout=10)
        assert resp.status_code == 200
        assert resp.text.strip() == "ok"
    resp = httpx.get(f"{svc.api_url}/readyz", timeout=10)
    assert resp.status_code == 200
    assert resp.text.strip() == "ready"


def test_metrics_count_each_rejection_by_reason(svc: ServiceProc, http: httpx.Client, channel: grpc.Channel) -> None:
    before = counters(svc)
    good = trace_request(6, 40).SerializeToString()
    http.post("/v1/traces", content=b"\xffgarbage", headers=PB)
    http.post("/v1/traces", content=good, headers={"content-type": PROTOBUF})
    http.post("/v1/traces", content=trace_request(400, 41).SerializeToString(), headers=PB)
    http.post("/v1/traces", content=good, headers={**PB, "content-type": "text/plain"})
    http.post("/v1/traces", content=good, headers={**PB, "content-encoding": "br"})
    assert http.post("/v1/traces", content=good, headers=PB).status_code == 200
    stub = trace_service_pb2_grpc.TraceServiceStub(channel)
    _grpc_code(lambda: stub.Export(trace_request(2, 42), timeout=10))
    after = counters(svc)

    for result in ("malformed", "unauthorized", "too_large", "unsupported_media_type", "unsupported_encoding", "ok"):
        assert requests_counter(after, result) == requests_counter(before, result) + 1, result
    assert requests_counter(after, "unauthorized", "grpc") == requests_counter(before, "unauthorized", "grpc") + 1
    accepted = ("ollystack_ingest_items_total", (("outcome", "accepted"), ("signal", "traces")))
    assert after[accepted] == before.get(accepted, 0) + 6
    text = httpx.get(f"{svc.api_url}/metrics", timeout=10).text
    assert 'ollystack_ingest_requests_total{protocol="http",result="malformed",signal="traces"}' in text
    assert 'ollystack_ingest_items_total{outcome="accepted",signal="traces"}' in text


# -- bugs found while writing these tests (they fail until fixed) ------------------------------------------


def test_multi_member_gzip_is_decoded_whole_or_refused(http: httpx.Client, api: httpx.Client) -> None:
    """BUG: read_body inflates only the first gzip member and ignores the rest (`unused_data`), so a
    valid multi-member gzip body (RFC 1952; what `cat a.gz b.gz` or a flushing compressor makes) is
    acknowledged with 200 while the spans of the later members are silently dropped."""
    first, second = trace_request(3, 50), trace_request(4, 51)
    body = gzip.compress(first.SerializeToString()) + gzip.compress(second.SerializeToString())
    assert len(ExportTraceServiceRequest.FromString(gzip.decompress(body)).resource_spans) > 0
    resp = http.post("/v1/traces", content=body, headers={**PB, "content-encoding": "gzip"})
    if resp.status_code == 200:
        stored = tenant_span_ids(api)
        missing = (span_ids(first) | span_ids(second)) - stored
        assert not missing, f"acknowledged with 200 but {len(missing)} of 7 spans were not stored"
    else:
        assert resp.status_code == 400


@pytest.mark.parametrize("shape", ["objects", "arrays"])
def test_deeply_nested_json_is_a_400_not_a_500(svc: ServiceProc, shape: str) -> None:
    """BUG: otlp._fix_ids recurses once per JSON level; orjson accepts 1024 levels but Python's
    recursion limit is ~1000, so a ~1000-deep document raises RecursionError: 500, or a reset
    connection when the error page itself overflows the stack, instead of 400. One small request
    then makes an exporter retry forever."""
    depth = 1000
    if shape == "objects":
        body = ('{"a":' * depth + "1" + "}" * depth).encode()
    else:
        body = ('{"resourceSpans":' + "[" * depth + "]" * depth + "}").encode()
    headers = {**JS, "connection": "close"}  # a connection of its own: the failure can reset it
    try:
        resp = httpx.post(f"{svc.http_url}/v1/traces", content=body, headers=headers, timeout=30)
    except httpx.TransportError as exc:
        resp, dropped = None, exc
    assert svc.proc.poll() is None, "the service died"
    assert resp is not None, f"the connection was dropped instead of answering 400: {dropped!r}"
    assert resp.status_code == 400, (resp.status_code, resp.text[:200])
    assert json_status(resp)["code"] == 3


DAY_NS = 86_400 * 10**9


def _spread_over_days(items: list[Any], field: str, days: int) -> None:
    """Date the i-th item i days ago (i % days): a replay of an archive, or a client whose clock jumps."""
    now = time.time_ns()
    for i, item in enumerate(items):
        setattr(item, field, now - (i % days) * DAY_NS)
        if field == "start_time_unix_nano":
            item.end_time_unix_nano = item.start_time_unix_nano + 1_000_000


@pytest.mark.parametrize("signal", ["traces", "logs"])
def test_items_spread_over_many_days_are_not_a_retryable_error(http: httpx.Client, signal: str) -> None:
    """BUG: every table is PARTITION BY toDate(...) and ClickHouse refuses an INSERT touching more
    than 100 partitions (max_partitions_per_insert_block, code 252 TOO_MANY_PARTS). 252 is not in
    server._PERMANENT_CODES, so a valid request whose items cover >100 days gets 503 + Retry-After:
    the exporter retries it forever and it can never succeed. Expected: stored (200), or at worst a
    permanent 400."""
    if signal == "traces":
        req: Any = trace_request(150, 60)
        items = [sp for rs in req.resource_spans for ss in rs.scope_spans for sp in ss.spans]
        _spread_over_days(items, "start_time_unix_nano", 150)
    else:
        req = log_request(150, 61)
        items = [r for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records]
        _spread_over_days(items, "time_unix_nano", 150)
    resp = http.post(f"/v1/{signal}", content=req.SerializeToString(), headers=PB)
    assert resp.status_code in (200, 400), (resp.status_code, resp.content[:200])


def test_a_refused_metrics_request_writes_none_of_its_points(http: httpx.Client, api: httpx.Client) -> None:
    """BUG: a metrics request is committed one staging table (metric kind) at a time, so when one
    kind's INSERT fails after another's succeeded the client is told 503 (retry) although some
    points are already stored; each retry stores them again. Repro: one gauge point of today plus
    150 sum points over 150 days -> 503, yet otel_metrics_gauge gains a row per attempt."""
    req = ExportMetricsServiceRequest()
    rm = req.resource_metrics.add()
    rm.resource.attributes.add(key="service.name").value.string_value = "checkout"
    sm = rm.scope_metrics.add()
    sm.metrics.add(name="queue.depth").gauge.data_points.add(time_unix_nano=time.time_ns(), as_double=3.0)
    total = sm.metrics.add(name="orders").sum
    total.aggregation_temporality, total.is_monotonic = 2, True
    points = [total.data_points.add(as_int=i) for i in range(150)]
    _spread_over_days(points, "time_unix_nano", 150)
    gauges, sums = stored_rows(api, "otel_metrics_gauge"), stored_rows(api, "otel_metrics_sum")
    statuses = [http.post("/v1/metrics", content=req.SerializeToString(), headers=PB).status_code for _ in range(2)]
    new_gauges = stored_rows(api, "otel_metrics_gauge") - gauges
    new_sums = stored_rows(api, "otel_metrics_sum") - sums
    accepted = statuses.count(200)
    assert (new_gauges, new_sums) == (accepted, 150 * accepted), (
        f"statuses {statuses}: {new_gauges} gauge and {new_sums} sum rows stored for {accepted} accepted requests"
    )
