"""Incidents: Signals deduplicated and grouped into incidents, their lifecycle and timeline."""

from .functions import InvalidTransition, acknowledge, add_message, get, list_incidents, mitigate, resolve
from .manager import IncidentManager, Policy
from .model import Incident, IncidentEvent, Member
from .notify import LogNotifier, Notifier
from .relations import Relations, StaticRelations
from .storage import UnknownIncident

__all__ = [
    "Incident",
    "IncidentEvent",
    "IncidentManager",
    "InvalidTransition",
    "LogNotifier",
    "Member",
    "Notifier",
    "Policy",
    "Relations",
    "StaticRelations",
    "UnknownIncident",
    "acknowledge",
    "add_message",
    "get",
    "list_incidents",
    "mitigate",
    "resolve",
]
