"""The learned valence model: its file, its training data, and where the pipeline uses it."""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path
from typing import cast

import pytest
from spacy.language import Language

from nudges.signals import build_pipeline, score_many
from nudges.signals.components import SentimentComponent
from nudges.signals.evaluation import SCORE_THRESHOLD, load_workplace_set
from nudges.signals.model import (
    VALENCE_FILE,
    ValenceModel,
    implicit_features,
    load_valence_model,
)
from nudges.signals.training import (
    SENTIMENT_VALIDATION,
    fingerprint,
    train_valence,
    training_files,
    valence_training_files,
)
from tests.nudges.signals.processes import in_another_process

REPOSITORY = Path(__file__).resolve().parents[3]
DATA = REPOSITORY / "tests" / "data"
SHIPPED = REPOSITORY / "nudges" / "signals" / "lexicons" / VALENCE_FILE


@functools.cache
def pipeline() -> Language:
    return build_pipeline()


def sentiment() -> SentimentComponent:
    return cast(SentimentComponent, pipeline().get_pipe("nudges_sentiment"))


def shipped() -> ValenceModel:
    model = load_valence_model()
    assert model is not None, f"{VALENCE_FILE} is missing"
    return model


def test_features_are_unrated_words_and_pairs_without_stop_word_pairs() -> None:
    words = ["<s>", "zero", "comments", None, "in", "the", "queue", "12"]
    features = implicit_features(words[1:])

    assert {"zero", "comments", "queue", "<num>", "<s> zero", "zero comments"} <= features
    assert "the" not in features and "in the" not in features  # stop words only
    assert "comments in" not in features  # a rated word (None) breaks the pair
    assert "the queue" in features and "queue <num>" in features


def test_a_model_file_round_trips_and_bad_files_are_refused() -> None:
    model = ValenceModel(band=1.2, weights={"escalations": -0.8, "zero comments": -0.9})
    again = ValenceModel.from_json(model.to_json(trained_on={"examples": 1}))

    assert again == model
    assert again.total({"escalations", "zero comments", "lunch"}) == pytest.approx(-1.7)
    with pytest.raises(ValueError, match="not a valence model"):
        ValenceModel.from_json('{"band": "wide", "weights": {}}')


def random_words(generator: random.Random, vocabulary: list[str]) -> list[str | None]:
    """Words from the model's features, stop words, numbers and None (a rated word)."""
    choices: list[str | None] = [*vocabulary, "the", "in", "to", "it", "12", "3rd", None]
    words = [generator.choice(choices) for _ in range(generator.randint(0, 14))]
    return words + words[: generator.randint(0, 3)]  # repeats count once


def test_a_batch_is_read_as_each_message_s_implicit_features() -> None:
    """The pipeline reads a batch with array look-ups (model.FeatureTable); each message's
    total is the sum of the weights of its implicit_features, as the model was fitted."""
    model = shipped()
    vocabulary = sorted({word for feature in model.weights for word in feature.split(" ")})
    vocabulary = vocabulary[:: max(1, len(vocabulary) // 400)]
    generator = random.Random(20261126)
    for _ in range(300):
        batch = [random_words(generator, vocabulary) for _ in range(generator.randint(0, 9))]
        expected = [model.total(implicit_features(words)) for words in batch]
        assert model.totals_many(batch) == pytest.approx(expected, abs=1e-9)


def test_a_pickled_model_reads_the_same_in_another_process() -> None:
    words = ["zero", "comments", None, "in", "the", "queue", "since", "12", "days"]
    found = in_another_process(shipped(), f"model.totals_many([{words!r}])")
    assert found == pytest.approx(shipped().totals_many([words]), abs=1e-9)
    assert found != [0.0]


def test_the_shipped_model_was_fitted_on_the_current_data_never_the_validation_sets() -> None:
    trained_on = json.loads(SHIPPED.read_text("utf-8"))["trained_on"]
    paths = valence_training_files(DATA)

    assert trained_on["files"] == fingerprint(paths), (
        "the training data changed: run python -m nudges.signals.training"
    )
    names = {path.stem for path in paths}
    assert not names & SENTIMENT_VALIDATION
    assert "workplace_chat_holdout" not in names
    assert {path.stem for path in training_files(DATA)} >= SENTIMENT_VALIDATION


def test_refitting_gives_the_shipped_weights() -> None:
    """The file is what the training code makes of the training data (no hand edits)."""
    refitted, report = train_valence(valence_training_files(DATA))
    model = shipped()

    assert refitted.band == model.band
    assert refitted.weights.keys() == model.weights.keys()
    assert all(abs(refitted.weights[f] - w) < 1e-3 for f, w in model.weights.items())
    assert report.r_model >= report.r_rules and report.f1_model >= report.f1_rules


def test_the_model_only_speaks_where_the_rules_find_no_feeling() -> None:
    component = sentiment()
    texts = [
        row.text
        for name in ("workplace_chat.jsonl", "workplace_train/finance.jsonl")
        for row in load_workplace_set(DATA / name)
    ]
    spoke = 0
    reread, component.reread = component.reread, None  # it may turn a reading
    try:
        for doc in pipeline().pipe(texts, disable=["nudges_themes"]):
            rules = component.rules_valence(doc)
            if rules != 0.0:
                assert component.valence(doc) == rules
            else:
                spoke += component.valence(doc) != 0.0
    finally:
        component.reread = reread
    assert spoke > 0


@pytest.mark.parametrize(
    "text",
    [
        "standup moved to 10:15",
        "deploying to staging now",
        "can someone review my pr when you get a sec",
        "the offsite agenda is in the doc",
        "moving the retro to thursday, same time",
        "<@U02ABC123> can you take the 2pm?",
    ],
)
def test_routine_messages_stay_neutral(text: str) -> None:
    """Neutral as the benchmark reads a score (the learned reread may leave a trace of a
    feeling inside the neutral zone)."""
    assert abs(score_many([text])[0]) < SCORE_THRESHOLD


def test_where_it_speaks_it_mostly_agrees_with_people() -> None:
    """On the read training sets (in its data), its sign matches the human rating's."""
    component = sentiment()
    rows = [
        row
        for path in valence_training_files(DATA)
        if path.parent.name == "workplace_train"
        for row in load_workplace_set(path)
    ]
    agree = spoke = 0
    for row, doc in zip(rows, pipeline().pipe([row.text for row in rows]), strict=True):
        if component.rules_valence(doc) == 0.0 and (value := component.implicit(doc)):
            spoke += 1
            agree += (value > 0) == (row.rating > 0)
    assert spoke >= 20
    assert agree >= 0.8 * spoke
