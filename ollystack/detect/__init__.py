"""Detectors that open incidents by themselves: calibrated metric anomalies and log patterns (this
package), with synthetics, RUM and LLM detectors to come. They emit `ollystack.signals.Signal`s."""

from .anomaly import AnomalyDetector, Fitted, choose, walk_forward
from .detector import MetricDetector, Suppression
from .logdetector import LogPatternDetector
from .logindex import LogIndexer
from .scheduler import Scheduler

__all__ = ["AnomalyDetector", "Fitted", "LogIndexer", "LogPatternDetector", "MetricDetector", "Scheduler",
           "Suppression", "choose", "walk_forward"]  # fmt: skip
