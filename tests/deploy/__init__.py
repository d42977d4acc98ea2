"""Deployment files: Dockerfile, Compose, env file, Helm chart (offline checks)."""
