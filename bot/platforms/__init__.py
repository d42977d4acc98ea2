"""Chat platforms (Slack, Teams).

Each platform translates once in each direction: its payloads into neutral events, and
neutral :class:`nudges.message.Message` objects into its own markup.
"""
