"""The keyed one-way names under which person-level rows are stored."""

from __future__ import annotations

from nudges.privacy import pseudonym


def respondent(key: bytes, round_id: int, person_id: int) -> str:
    """The name a person's answers in one check-in round are stored under.

    A new name every round: without the key, answers from different weeks cannot be
    linked to each other, let alone to a person.
    """
    return pseudonym(key, f"round:{round_id}:respondent:{person_id}")


def contributor_marker(key: bytes, bucket_id: int, person_id: int) -> str:
    """A marker unique to one person in one weekly bucket, unlinkable across buckets."""
    return pseudonym(key, f"bucket:{bucket_id}:person:{person_id}")
