"""How spans become edges and nodes: the SQL, shared by the updater and the live read path.

Why one place: the updater stores per-minute states of exactly these SELECTs, and a map over a
window adds the same SELECTs over the minutes not stored yet, so stored and live numbers can
never disagree about what an edge is.

An edge is a call from one service to another or to something uninstrumented:

- a server or consumer span whose parent span (or, for a consumer without a parent, a linked
  producer span) belongs to another service: caller → callee. The parent is usually the
  caller's client or producer span; when the caller's instrumentation made no client span the
  parent is its server span, and the edge is the same. Latency is the client span's duration
  when there is one (what the caller waited), else the callee's own;
- a client or producer span naming what it talks to (`peer.service`, `server.address`,
  `db.system`, `messaging.system`): caller → that node. Database, cache and messaging spans
  always make such an edge (a broker sits between producer and consumer, so a producer also
  gets an edge to the queue besides the one to its consumers); an HTTP client span only when
  no server span in another service is its child (otherwise the callee is instrumented and the
  first rule already names it).

The join is bounded: child spans of one chunk of time against parent spans from `margin` before
the chunk to `skew` after it. A parent older than that (a message that waited in a queue longer
than the margin) leaves its edge out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..store.tables import TRACES

#: what a trace's parent may precede its child by and still be joined (queue waits included)
MARGIN = timedelta(minutes=10)
#: clock skew allowed the other way (a child that starts before its parent)
SKEW = timedelta(minutes=1)
QUANTILES = "0.5, 0.95, 0.99"
CACHE_SYSTEMS = ("redis", "memcached", "valkey", "hazelcast", "aerospike", "coherence", "geode", "ignite")

_ATTR = "SpanAttributes['{}']"
_DB_SYSTEM = "if({0} != '', {0}, {1})".format(_ATTR.format("db.system.name"), _ATTR.format("db.system"))
#: the node a client or producer span talks to, by the semantic conventions' precedence
EXTERNAL_NAME = "multiIf({})".format(
    ", ".join(
        f"{_ATTR.format(k)} != '', {_ATTR.format(k)}"
        for k in ("peer.service", "server.address", "net.peer.name", "db.system.name", "db.system", "messaging.system")
    )
    + ", ''"
)
_CACHES = "[" + ", ".join(f"'{s}'" for s in CACHE_SYSTEMS) + "]"


def range_params(piece: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Parameters of one chunk `[start, end)` for the SQL below (`piece` keeps several apart)."""
    return {f"a{piece}": start, f"b{piece}": end, f"pa{piece}": start - MARGIN, f"pb{piece}": end + SKEW}


def _in_range(piece: str, lo: str = "a", hi: str = "b") -> str:
    return (
        f"TenantId = {{tenant:String}} AND Timestamp >= {{{lo}{piece}:DateTime64(9)}} "
        f"AND Timestamp < {{{hi}{piece}:DateTime64(9)}}"
    )


def edge_states(db: str, piece: str) -> str:
    """Per-minute edge states of the chunk `piece`: Minute, Source, Target, EdgeKind, TargetKind,
    Calls, Errors, Latency (t-digest state, ms), SampleTrace, ErrorTrace, SlowTrace (argMax state)."""
    table = f"{db}.{TRACES}"
    return f"""
SELECT toStartOfMinute(c.Timestamp) AS Minute, p.ServiceName AS Source, c.ServiceName AS Target,
       if(c.SpanKind = 'Consumer', 'async', 'sync') AS EdgeKind, 'service' AS TargetKind,
       count() AS Calls,
       countIf(c.StatusCode = 'Error' OR (p.SpanKind = 'Client' AND p.StatusCode = 'Error')) AS Errors,
       quantilesTDigestState({QUANTILES})(if(p.SpanKind = 'Client', p.Duration, c.Duration) / 1e6) AS Latency,
       any(p.TraceId) AS SampleTrace,
       maxIf(p.TraceId, c.StatusCode = 'Error' OR (p.SpanKind = 'Client' AND p.StatusCode = 'Error')) AS ErrorTrace,
       argMaxState(p.TraceId, if(p.SpanKind = 'Client', p.Duration, c.Duration)) AS SlowTrace
FROM (
    SELECT cityHash64(TraceId, SpanId) AS Key, TraceId, ServiceName, SpanKind, Duration, StatusCode
    FROM {table} WHERE {_in_range(piece, "pa", "pb")}
) AS p
INNER JOIN (
    SELECT if(ParentSpanId != '', cityHash64(TraceId, ParentSpanId), cityHash64(link.1, link.2)) AS Key,
           Timestamp, ServiceName, SpanKind, Duration, StatusCode
    FROM {table}
    ARRAY JOIN if(ParentSpanId != '', [('', '')], arrayZip(`Links.TraceId`, `Links.SpanId`)) AS link
    WHERE {_in_range(piece)} AND SpanKind IN ('Server', 'Consumer')
      AND (ParentSpanId != '' OR notEmpty(`Links.SpanId`))
) AS c ON p.Key = c.Key
WHERE p.ServiceName != c.ServiceName
GROUP BY Minute, Source, Target, EdgeKind, TargetKind
UNION ALL
SELECT toStartOfMinute(Timestamp) AS Minute, ServiceName AS Source, ext AS Target,
       multiIf(has({_CACHES}, lower(sys)), 'cache', sys != '', 'database',
               msg != '' OR SpanKind = 'Producer', 'messaging', 'external') AS EdgeKind,
       multiIf(has({_CACHES}, lower(sys)), 'cache', sys != '', 'database',
               msg != '' OR SpanKind = 'Producer', 'queue', 'external') AS TargetKind,
       count() AS Calls, countIf(StatusCode = 'Error') AS Errors,
       quantilesTDigestState({QUANTILES})(Duration / 1e6) AS Latency,
       any(TraceId) AS SampleTrace, maxIf(TraceId, StatusCode = 'Error') AS ErrorTrace,
       argMaxState(TraceId, Duration) AS SlowTrace
FROM (
    SELECT Timestamp, TraceId, SpanId, ServiceName, SpanKind, Duration, StatusCode,
           {EXTERNAL_NAME} AS ext, {_DB_SYSTEM} AS sys, SpanAttributes['messaging.system'] AS msg
    FROM {table} WHERE {_in_range(piece)} AND SpanKind IN ('Client', 'Producer')
)
WHERE ext != '' AND ext != ServiceName
  AND (sys != '' OR msg != '' OR SpanKind = 'Producer' OR cityHash64(TraceId, SpanId) NOT IN (
      SELECT cityHash64(TraceId, ParentSpanId) FROM {table}
      WHERE {_in_range(piece, "a", "pb")} AND SpanKind IN ('Server', 'Consumer') AND ParentSpanId != ''))
GROUP BY Minute, Source, Target, EdgeKind, TargetKind
"""


def node_states(db: str, piece: str) -> str:
    """Per-minute states of what each service served: Minute, Service, Operation, SpanKind,
    Requests, Errors, Roots, Latency, SampleTrace, ErrorTrace, SlowTrace."""
    return f"""
SELECT toStartOfMinute(Timestamp) AS Minute, ServiceName AS Service, SpanName AS Operation, SpanKind,
       count() AS Requests, countIf(StatusCode = 'Error') AS Errors,
       countIf(ParentSpanId = '' AND empty(`Links.SpanId`)) AS Roots,
       quantilesTDigestState({QUANTILES})(Duration / 1e6) AS Latency,
       any(TraceId) AS SampleTrace, maxIf(TraceId, StatusCode = 'Error') AS ErrorTrace,
       argMaxState(TraceId, Duration) AS SlowTrace
FROM {db}.{TRACES}
WHERE {_in_range(piece)} AND (SpanKind IN ('Server', 'Consumer') OR ParentSpanId = '')
GROUP BY Minute, Service, Operation, SpanKind
"""


EDGE_COLUMNS = ["Minute", "Source", "Target", "EdgeKind", "TargetKind", "Calls", "Errors", "Latency", "SampleTrace",
                "ErrorTrace", "SlowTrace"]  # fmt: skip
NODE_COLUMNS = ["Minute", "Service", "Operation", "SpanKind", "Requests", "Errors", "Roots", "Latency", "SampleTrace",
                "ErrorTrace", "SlowTrace"]  # fmt: skip
