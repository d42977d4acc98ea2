"""Platform-neutral services. Nothing here imports a chat SDK."""
