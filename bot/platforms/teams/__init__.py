"""Microsoft Teams: Adaptive Card rendering of neutral messages (and, later, the agent app)."""
