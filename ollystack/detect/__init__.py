"""Detectors that open incidents by themselves: calibrated metric anomalies (this package), with
log patterns, synthetics, RUM and LLM detectors to come. They emit `ollystack.signals.Signal`s."""

from .anomaly import AnomalyDetector, Fitted, choose, walk_forward
from .detector import MetricDetector, Suppression
from .scheduler import Scheduler

__all__ = ["AnomalyDetector", "Fitted", "MetricDetector", "Scheduler", "Suppression", "choose", "walk_forward"]
