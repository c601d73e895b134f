"""SLOs: SLIs from spans, metrics or synthetic checks; error budgets; multi-window burn-rate alerts."""

from . import loader
from .evaluator import Evaluator, SLOStatus, evaluate, evaluate_many
from .functions import chart, define, definitions_yaml, delete, list_status, status, sync_dir
from .loader import SLOSpecError, load_dir, load_file, parse_text
from .model import SLO, AlertRule, default_alerts
from .registry import Registry, UnknownSLO

__all__ = [
    "SLO",
    "AlertRule",
    "Evaluator",
    "Registry",
    "SLOSpecError",
    "SLOStatus",
    "UnknownSLO",
    "chart",
    "default_alerts",
    "define",
    "definitions_yaml",
    "delete",
    "evaluate",
    "evaluate_many",
    "list_status",
    "load_dir",
    "load_file",
    "loader",
    "parse_text",
    "status",
    "sync_dir",
]
