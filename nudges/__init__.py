"""The pure brain of Empathy Nudge Bot: signals, privacy math, engine, content, messages.

Nothing here imports ``bot``, a database or a chat SDK.
"""
