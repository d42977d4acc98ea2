"""Slack: Block Kit rendering of neutral messages (and, later, the bolt app and listeners)."""
