"""A synthetic microservice shop that emits real OTLP, with injectable faults and ground truth.

It talks to OllyStack only through the OTLP endpoint, like any instrumented system would.
"""
