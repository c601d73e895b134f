"""Composition root: one process with the OTLP receivers, the batcher, the store and the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from .config import Settings, mask_url
from .detect import LogIndexer, LogPatternDetector, MetricDetector, Scheduler
from .detect.dependencies import DependencyDetector
from .detect.scheduler import Detector
from .incidents import IncidentManager
from .ingest.batcher import Batcher
from .ingest.otlp_grpc import otlp_grpc_server
from .ingest.otlp_http import otlp_http_app
from .ingest.receiver import Receiver
from .ingest.selfmetrics import IngestMetrics
from .signals import StoreSignals
from .simulate.clock import WallClock
from .slo.runner import SLOLoop
from .store import Store
from .store.errors import is_data_error
from .tenancy import ApiKeys
from .topology import TopologyRelations, TopologyUpdater
from .web.api import create_api

log = logging.getLogger("ollystack")


class StartupError(RuntimeError):
    """The service cannot start (a port in use, an address that does not exist)."""


def _bind(host: str, port: int, what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StartupError(f"cannot listen for {what} on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service stops both servers in order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Endpoints:
    otlp_http: int
    otlp_grpc: int
    api: int


class Service:
    """`ollystack serve`: start everything, run until told to stop, then flush and close."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = IngestMetrics()
        self.keys = ApiKeys(settings.api_keys)
        self.store: Store | None = None
        self.batcher: Batcher | None = None
        self._stop = asyncio.Event()
        self._stopping = False

    def open_store(self) -> Store:
        store = Store(
            self.settings.clickhouse_url,
            cluster=self.settings.clickhouse_cluster,
            ttl_days=self.settings.ttl_days,
            insert_connections=self.settings.ingest_writers,
        )
        report = store.migrate()
        if report.applied:
            log.info("schema migrated to version %d (%s)", report.after, ", ".join(report.applied))
        return store

    def ready(self) -> tuple[bool, str]:
        if self._stopping:
            return False, "shutting down"
        if self.store is None or not self.store.ping():
            return False, "store unreachable"
        assert self.batcher is not None
        if self.batcher.queued_items >= self.batcher.max_queue_items:
            return False, "ingest queue full"
        return True, "ready"

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        s = self.settings
        self.store = store = await asyncio.to_thread(self.open_store)
        self.batcher = batcher = Batcher(
            store.insert_frames,
            self.metrics,
            max_batch_items=s.batch_max_items,
            max_delay=s.batch_max_delay_ms / 1000,
            max_queue_items=s.queue_max_items,
            writers=s.ingest_writers,
            is_permanent_error=is_data_error,
        )
        batcher.start()
        receiver = Receiver(batcher, self.metrics, s.ttl_days)
        api = create_api(store, self.keys, metrics_text=self.metrics.render, ready=self.ready)
        clock = WallClock()
        # notifies through the log until a chat adapter is wired; groups callers and callees by the service map
        incidents = IncidentManager(store, clock, relations=TopologyRelations(store, clock))
        sinks = [StoreSignals(store), incidents]
        slo_loop = SLOLoop(store, clock, s.slo_dir, sinks, s.slo_eval_interval_s)
        steps: list[Detector] = [TopologyUpdater(store)]  # the stored service map, before anything reads it
        if s.log_patterns_enabled:  # first: the log detector judges what this step indexed
            steps.append(LogIndexer(store, max_rows=s.log_patterns_max_rows))
        if s.detect_enabled:
            steps.append(MetricDetector(store, fa_rate=s.detect_fa_rate))
        if s.detect_enabled and s.log_patterns_enabled:  # after the metric detector, whose signals it cites
            steps.append(LogPatternDetector(store, fa_rate=s.detect_fa_rate))
        if s.detect_enabled:
            steps.append(DependencyDetector(store))
        detectors = Scheduler(store, clock, steps, sinks, s.detect_interval_s, after=[incidents.tick])
        await asyncio.to_thread(slo_loop.reload)  # SLO files are known before the service says ready
        otlp_app = otlp_http_app(
            receiver, self.keys, max_body=s.max_request_bytes, extra_routes=[Route("/healthz", _health)]
        )
        try:
            # Bind first, so a port in use is a clear error before anything starts serving.
            http_socks = [_bind(s.bind_host, port, what) for port, what in
                          ((s.otlp_http_port, "OTLP/HTTP"), (s.api_port, "API"))]  # fmt: skip
            grpc_server = otlp_grpc_server(receiver, self.keys, max_body=s.max_request_bytes)
            try:
                grpc_port = grpc_server.add_insecure_port(f"{s.bind_host}:{s.otlp_grpc_port}")
            except RuntimeError as exc:
                raise StartupError(f"cannot listen for OTLP/gRPC on {s.bind_host}:{s.otlp_grpc_port}: in use?") from exc
            servers = [
                _Server(
                    uvicorn.Config(
                        app,
                        log_level="warning",
                        lifespan="off",
                        access_log=False,
                        timeout_graceful_shutdown=30,
                    )
                )
                for app in (otlp_app, api)
            ]
            await grpc_server.start()
            tasks = [
                asyncio.create_task(srv.serve(sockets=[sock])) for srv, sock in zip(servers, http_socks, strict=True)
            ]
            while not all(srv.started for srv in servers):
                if any(t.done() for t in tasks):
                    raise StartupError("an HTTP listener failed to start; see the log above")
                await asyncio.sleep(0.01)
        except BaseException:
            batcher.close(10)
            store.close()
            raise
        slo_loop.start()
        detectors.start()
        ports = [srv.servers[0].sockets[0].getsockname()[1] for srv in servers]
        self.endpoints = Endpoints(otlp_http=ports[0], otlp_grpc=grpc_port, api=ports[1])
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        print(
            f"ollystack ready otlp_http={s.bind_host}:{ports[0]} otlp_grpc={s.bind_host}:{grpc_port} "
            f"api={s.bind_host}:{ports[1]} store={mask_url(s.clickhouse_url)}",
            flush=True,
        )
        await self._stop.wait()
        # Stop taking connections; requests already in flight still wait for their commit.
        self._stopping = True
        log.info("stopping: finishing in-flight requests")
        for srv in servers:
            srv.should_exit = True
        await grpc_server.stop(grace=10)
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(batcher.close, 120)
        await asyncio.to_thread(slo_loop.stop)
        await asyncio.to_thread(detectors.stop)
        store.close()
        log.info("stopped; every acknowledged item is committed")


async def _health(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok\n")


def serve(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(Service(settings).run())
