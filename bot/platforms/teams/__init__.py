"""Microsoft Teams on the Microsoft 365 Agents SDK.

``routes`` mounts ``POST /api/messages``; ``auth`` chooses token validation or anonymous
development mode; ``agent`` and ``actions`` hold the thin handlers; ``translate`` reads
activities (once); ``cards`` writes Adaptive Cards (once); ``references`` keeps
conversation references in the database; ``messenger`` sends proactively through them;
``package`` builds the app package.
"""
