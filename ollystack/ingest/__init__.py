"""Receivers: OTLP over HTTP and gRPC, batching with acknowledgement after commit."""
