"""OllyStack: an open-source ChatOps bot and AI agent service for observability."""

__version__ = "0.1.0"
