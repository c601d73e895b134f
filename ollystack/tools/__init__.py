"""The agent's tools: small typed functions over the domain packages, one module per area. Chat
and the HTTP API call the same functions, so a capability is implemented once."""
