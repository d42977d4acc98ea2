"""The learned reread model: its file, its training data, and where the pipeline uses it."""

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
from nudges.signals.evaluation import load_workplace_set
from nudges.signals.model import REREAD_FILE, RereadModel, chat_features, load_reread_model
from nudges.signals.training import (
    GENERAL_FILES,
    SENTIMENT_VALIDATION,
    fingerprint,
    general_chat_files,
    general_texts,
    train_reread,
    valence_training_files,
)

REPOSITORY = Path(__file__).resolve().parents[3]
DATA = REPOSITORY / "tests" / "data"
SHIPPED = REPOSITORY / "nudges" / "signals" / "lexicons" / REREAD_FILE
GENERAL = REPOSITORY.parent / "shared" / "data" / "vader_icwsm2014"

needs_general_corpora = pytest.mark.skipif(
    not all((GENERAL / name).is_file() for name in GENERAL_FILES),
    reason=f"the VADER review and editorial corpora are not at {GENERAL} (CI checks out ../shared)",
)


@functools.cache
def pipeline() -> Language:
    return build_pipeline()


def sentiment() -> SentimentComponent:
    return cast(SentimentComponent, pipeline().get_pipe("nudges_sentiment"))


def shipped() -> RereadModel:
    model = load_reread_model()
    assert model is not None, f"{REREAD_FILE} is missing"
    return model


def test_features_are_words_and_adjacent_pairs() -> None:
    features = chat_features(["love", "how", "3", "reviews", "stall"])

    assert {"love", "how", "<num>", "<s> love", "love how", "how <num>"} <= features
    assert "<num> reviews" in features and "love _ <num>" not in features


TOY = RereadModel(
    work_bias=-1.0,
    irony_bias=-1.0,
    plain_bias=-1.0,
    irony_valence=-0.4,
    plain_valence=0.0,
    weights={
        "standup": (2.0, 0.0, 0.0),
        "love how": (0.0, 2.0, 0.0),
        "kill the": (0.0, 0.0, 2.0),
        "film": (-3.0, 0.0, 0.0),
    },
)


def test_the_work_test_and_the_reading_s_own_model_must_agree_before_it_is_turned() -> None:
    assert TOY.valence(["love", "how", "standup", "ran", "over"], 0.6) == -0.4
    assert TOY.valence(["love", "how", "the", "film", "ended"], 0.6) == 0.6  # not work talk
    assert TOY.valence(["standup", "ran", "over"], 0.6) == 0.6  # work talk, nothing ironic
    assert TOY.valence(["kill", "the", "standup"], -0.5) == 0.0  # plain work talk
    assert TOY.valence(["kill", "the", "standup"], 0.5) == 0.5  # plain turns negatives only
    assert TOY.valence(["love", "how", "standup"], -0.5) == -0.5  # irony turns positives only
    assert TOY.valence(["love", "how", "standup"], 0.0) == 0.0  # a neutral reading stays
    assert TOY.valence([], 0.3) == 0.3


def test_a_model_file_round_trips_and_bad_files_are_refused() -> None:
    assert RereadModel.from_json(TOY.to_json(trained_on={"examples": 1})) == TOY
    good = json.loads(TOY.to_json(trained_on={}))
    for broken in (
        {**good, "weights": {"w": [1.0, 2.0]}},
        {**good, "weights": {"w": "heavy"}},
        {key: value for key, value in good.items() if key != "work_bias"},
        {**good, "irony_valence": 0.3},
        {**good, "plain_valence": -0.9},
        {**good, "work_bias": float("nan")},
    ):
        with pytest.raises(ValueError, match=REREAD_FILE):
            RereadModel.from_json(json.dumps(broken))


def test_the_shipped_model_was_fitted_on_the_current_data_never_the_validation_sets() -> None:
    trained_on = json.loads(SHIPPED.read_text("utf-8"))["trained_on"]
    paths = valence_training_files(DATA)

    assert trained_on["files"] == fingerprint(paths), (
        "the training data changed: run python -m nudges.signals.training"
    )
    assert not {path.stem for path in paths} & SENTIMENT_VALIDATION
    chat = fingerprint(general_chat_files(DATA))
    assert chat and chat.items() <= trained_on["general"].items()
    assert set(trained_on["general"]) == set(GENERAL_FILES) | set(chat)
    assert "tweets_GroundTruth.txt" not in trained_on["general"]  # the guard is never read
    if all((GENERAL / name).is_file() for name in GENERAL_FILES):
        assert trained_on["general"] == fingerprint(
            [*(GENERAL / name for name in GENERAL_FILES), *general_chat_files(DATA)]
        )


@needs_general_corpora
def test_refitting_gives_the_shipped_model() -> None:
    """The file is what the training code makes of the data (no hand edits), and in
    cross-validation the turned messages were mostly rated negative."""
    from nudges.signals.model import load_valence_model

    valence = load_valence_model()
    assert valence is not None
    refitted, report = train_reread(
        valence_training_files(DATA), general_texts(GENERAL, DATA), valence
    )
    model = shipped()

    for name in ("work_bias", "irony_bias", "plain_bias", "irony_valence", "plain_valence"):
        assert getattr(refitted, name) == pytest.approx(getattr(model, name), abs=1e-3), name
    assert refitted.weights.keys() == model.weights.keys()
    assert all(
        max(abs(a - b) for a, b in zip(refitted.weights[feature], row, strict=True)) < 1e-3
        for feature, row in model.weights.items()
    )
    assert report.irony.precision >= 0.9 and report.plain.precision >= 0.9
    assert report.r_after > report.r_before and report.f1_after > report.f1_before


def test_a_reading_is_only_ever_turned_to_what_the_model_says() -> None:
    component = sentiment()
    model = component.reread
    assert model is not None
    texts = [
        row.text
        for name in ("workplace_chat.jsonl", "workplace_train/finance.jsonl")
        for row in load_workplace_set(DATA / name)
    ]
    turned: set[str] = set()
    for doc in pipeline().pipe(texts, disable=["nudges_themes"]):
        component.reread = None
        try:
            before = component.valence(doc)
        finally:
            component.reread = model
        after = component.valence(doc)
        if after != before:
            assert doc._.distress is False
            if before > 0:
                assert after == model.irony_valence
                turned.add("irony")
            else:
                assert before < 0 and after == model.plain_valence
                turned.add("plain")
    assert turned == {"irony", "plain"}


def test_distress_is_never_turned() -> None:
    """With a model that would turn every reading, a message flagged for distress keeps
    the rules' valence (components.py guards it, not the shipped model's weights)."""
    component = sentiment()
    shipped_model = component.reread
    rows = [row for row in load_workplace_set(DATA / "workplace_chat.jsonl") if row.distress]
    assert len(rows) >= 15
    docs = list(pipeline().pipe(row.text for row in rows))
    everything = RereadModel(
        work_bias=1.0,
        irony_bias=1.0,
        plain_bias=1.0,
        irony_valence=-0.4,
        plain_valence=0.0,
        weights={},
    )
    try:
        component.reread = everything
        assert component.valence(pipeline()("great demo today, thanks all 🎉")) == -0.4
        flagged = [doc for doc in docs if doc._.distress]
        assert len(flagged) >= 15
        for doc in flagged:
            assert component.valence(doc) == component.rules_valence(doc) <= -0.8
    finally:
        component.reread = shipped_model


def test_the_look_ups_sum_the_weights_of_the_chat_features() -> None:
    model = shipped()
    vocabulary = sorted({word for feature in model.weights for word in feature.split(" ")})
    generator = random.Random(20261126)
    for _ in range(2000):
        lowers = [
            generator.choice([*vocabulary[:: max(1, len(vocabulary) // 500)], "12", "3rd"])
            for _ in range(generator.randint(0, 12))
        ]
        lowers += lowers[: generator.randint(0, 3)]  # repeats count once
        features = chat_features(lowers)
        for column, bias in ((1, model.irony_bias), (2, model.plain_bias)):
            rows = [model.weights[f] for f in features if f in model.weights]
            expected = (
                model.work_bias + sum(row[0] for row in rows),
                bias + sum(row[column] for row in rows),
            )
            assert model.total(lowers, column) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "text",
    [
        "so nice of leadership to announce the bonus cut in a friday 5pm email",
        "love finding out about the team offsite from someone else's calendar invite",
        "love that the only feedback on my design was about the font",
        "wonderful, they moved the deadline up a week again without asking anyone",
    ],
)
def test_ironic_praise_about_work_reads_negative(text: str) -> None:
    assert score_many([text])[0] < 0


@pytest.mark.parametrize(
    "text",
    [
        "terminate the old hosting contract at the end of the quarter, finance has the paperwork",
        "can we take the pricing disagreement offline? i will set up a call with both leads",
    ],
)
def test_plain_work_talk_with_bad_news_words_reads_neutral(text: str) -> None:
    assert abs(score_many([text])[0]) < 0.05  # neutral (evaluation.SCORE_THRESHOLD)


@pytest.mark.parametrize(
    "text",
    [
        "can't wait for the finale this weekend!! best show on tv",
        "love how the kids decorated the cake 😂 so proud of them",
        "thanks so much for the flowers, they're beautiful",
        "great demo today, the client loved it 🎉",
        "thanks <@U02ABC123>, that fix saved my day",
        "so glad we hired her, the onboarding docs are amazing now",
    ],
)
def test_sincere_praise_stays_positive(text: str) -> None:
    assert score_many([text])[0] > 0
