"""The keyed one-way names under which person-level rows are stored."""

from __future__ import annotations

from nudges.privacy import pseudonym


def respondent(key: bytes, person_id: int) -> str:
    """The name a person's check-in answers are stored under."""
    return pseudonym(key, f"respondent:{person_id}")


def contributor_marker(key: bytes, bucket_id: int, person_id: int) -> str:
    """A marker unique to one person in one weekly bucket, unlinkable across buckets."""
    return pseudonym(key, f"bucket:{bucket_id}:person:{person_id}")
