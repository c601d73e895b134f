"""Outbound notifications: the one seam between incidents and chat.

Chat adapters (Slack, Teams, console) implement `Notifier`; `server.py` hands one to the
`IncidentManager`. Incidents never import an adapter, so the engine is the same with or without chat.
"""

from __future__ import annotations

import logging
from typing import Protocol

from .model import Incident

log = logging.getLogger(__name__)


class Notifier(Protocol):
    def open_channel(self, incident: Incident) -> str:
        """Open the incident's channel (or thread); returns a reference kept as `incident.channel`."""
        ...

    def post(self, incident: Incident, message: str) -> None:
        """Post a message in the incident's channel."""
        ...

    def update(self, incident: Incident) -> None:
        """Refresh what shows the incident's state (a pinned card, the channel topic)."""
        ...


class LogNotifier:
    """The default: notifications go to the service log."""

    def open_channel(self, incident: Incident) -> str:
        log.info("incident %s opened: %s", incident.id, incident.summary())
        return f"log:{incident.id}"

    def post(self, incident: Incident, message: str) -> None:
        log.info("incident %s: %s", incident.id, message)

    def update(self, incident: Incident) -> None:
        log.info("incident %s now %s", incident.id, incident.summary())
