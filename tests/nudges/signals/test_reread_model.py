"""The learned reread model: its file, its training data, and where the pipeline uses it."""

from __future__ import annotations

import dataclasses
import functools
import json
import pickle
import random
from pathlib import Path
from typing import cast

import pytest
from spacy.language import Language

from nudges.signals import build_pipeline, score_many
from nudges.signals.components import SentimentComponent
from nudges.signals.evaluation import HUMAN_THRESHOLD, SCORE_THRESHOLD, load_workplace_set
from nudges.signals.model import (
    REREAD_FILE,
    RereadModel,
    calibrated,
    chat_features,
    load_reread_model,
)
from nudges.signals.sentiment import DESPAIR_KEY
from nudges.signals.tokenizer import lower_words
from nudges.signals.training import (
    GENERAL_FILES,
    SENTIMENT_VALIDATION,
    fingerprint,
    general_chat_files,
    general_texts,
    train_reread,
    valence_training_files,
)
from tests.nudges.signals.processes import in_another_process

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
    residual_bias=0.0,
    residual_reading=0.0,
    residual_positive=0.0,
    residual_negative=0.0,
    work_share=1.0,
    general_share=0.5,
    work_margin=0.0,
    weights={
        "standup": (2.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        "love how": (0.0, 2.0, 0.0, 0.0, 0.0, 0.0),
        "kill the": (0.0, 0.0, 2.0, 0.0, 0.0, 0.0),
        "film": (-3.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        "green": (0.0, 0.0, 0.0, 0.3, 0.3, 0.3),
        "again": (0.0, 0.0, 0.0, -0.6, -0.1, 0.0),
    },
)

NEAR = dataclasses.replace(TOY, work_margin=1.5)
"""TOY, with a looser cut for the residual's work share: a work score above -1.5."""


def test_the_work_test_and_the_reading_s_own_model_must_agree_before_it_is_turned() -> None:
    assert TOY.valence(["love", "how", "standup", "ran", "over"], 0.6) == calibrated(-0.4)
    assert TOY.valence(["love", "how", "the", "film", "ended"], 0.6) == 0.6  # not work talk
    assert TOY.valence(["standup", "ran", "over"], 0.6) == calibrated(0.6)  # nothing ironic
    assert TOY.valence(["kill", "the", "standup"], -0.5) == calibrated(0.0)  # plain work talk
    assert TOY.valence(["kill", "the", "standup"], 0.5) == calibrated(0.5)  # negatives only
    assert TOY.valence(["love", "how", "standup"], -0.5) == calibrated(-0.5)  # positives only
    assert TOY.valence(["love", "how", "standup"], 0.0) == 0.0  # a neutral reading stays
    assert TOY.valence([], 0.3) == 0.3


def test_the_residual_moves_work_talk_even_when_the_rules_read_it_neutral() -> None:
    assert TOY.valence(["standup", "is", "green"], 0.0) == calibrated(0.3)
    assert TOY.valence(["standup", "is", "green"], 0.0) > SCORE_THRESHOLD


def test_the_residual_weighs_a_word_by_the_sign_of_the_reading() -> None:
    """ "again" after praise is irony; after a complaint, more of the same."""
    words = ["standup", "green", "again"]
    assert TOY.valence(words, 0.5) == pytest.approx(calibrated(0.5 + 0.3 - 0.6))
    assert TOY.valence(words, -0.5) == pytest.approx(calibrated(-0.5 + 0.3 - 0.1))
    assert TOY.valence(words, 0.0) == pytest.approx(calibrated(0.3))
    # the sign is the turned reading's: irony reads as negative
    irony = ["love", "how", "standup", "again"]
    assert TOY.valence(irony, 0.5) == pytest.approx(calibrated(-0.4 - 0.1))


def test_just_below_the_work_cut_a_message_gets_the_work_share_but_no_turn() -> None:
    # work score -1: no work word; "love how" would turn it above the cut
    assert NEAR.valence(["love", "how", "green"], 0.6) == calibrated(0.6 + 0.3)
    assert TOY.valence(["love", "how", "green"], 0.6) == pytest.approx(0.6 + 0.5 * 0.3)
    assert NEAR.valence(["green"], 0.0) == calibrated(0.3)  # a neutral reading moves too
    # work score -4: far below the cut, other text
    assert NEAR.valence(["film", "green"], 0.6) == pytest.approx(0.6 + 0.5 * 0.3)
    assert NEAR.valence(["love", "how", "standup"], 0.6) == calibrated(-0.4)  # above: turned


def test_in_other_text_a_share_of_the_residual_weighs_only_a_feeling_the_rules_read() -> None:
    assert TOY.valence(["the", "film", "is", "green"], 0.0) == 0.0
    assert TOY.valence(["the", "film", "is", "green"], 0.4) == pytest.approx(0.4 + 0.5 * 0.3)
    assert TOY.valence(["the", "film", "is", "green"], 0.9) == 1.0  # no more than 1


def test_calibration_keeps_order_and_what_people_call_neutral_stays_neutral() -> None:
    neutral = HUMAN_THRESHOLD / 3.0
    ratings = [step / 100 for step in range(-120, 121)]
    scores = [calibrated(rating) for rating in ratings]

    assert scores == sorted(scores)
    assert calibrated(0.0) == 0.0 and calibrated(1.0) == 1.0 and calibrated(-3.0) == -1.0
    for rating, score in zip(ratings, scores, strict=True):
        assert score == -calibrated(-rating)
        assert (abs(score) < SCORE_THRESHOLD) == (abs(rating) <= neutral), rating
    assert abs(calibrated(neutral)) < SCORE_THRESHOLD  # people's own edge is neutral


def test_a_model_file_round_trips_and_bad_files_are_refused() -> None:
    assert RereadModel.from_json(TOY.to_json(trained_on={"examples": 1})) == TOY
    assert RereadModel.from_json(NEAR.to_json(trained_on={})) == NEAR
    good = json.loads(TOY.to_json(trained_on={}))
    for broken in (
        {**good, "weights": {"w": [1.0, 2.0]}},
        {**good, "weights": {"w": [1.0, 2.0, 3.0]}},  # a model from before the residual
        {**good, "weights": {"w": [1.0, 2.0, 3.0, 4.0]}},  # before the residual by sign
        {**good, "weights": {"w": "heavy"}},
        {key: value for key, value in good.items() if key != "work_bias"},
        {**good, "irony_valence": 0.3},
        {**good, "plain_valence": -0.9},
        {**good, "work_bias": float("nan")},
        {**good, "residual_reading": float("inf")},
        {**good, "work_margin": -1.0},
        {key: value for key, value in good.items() if key != "work_margin"},
        {**good, "weights": {"w": [0.0, 0.0, 0.0, 0.0, float("nan"), 0.0]}},
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
        valence_training_files(DATA),
        general_texts(GENERAL, DATA),
        valence,
        cross_validate_residual=False,  # it only reports; minutes of CI
    )
    model = shipped()

    for name in (
        "work_bias",
        "irony_bias",
        "plain_bias",
        "irony_valence",
        "plain_valence",
        "residual_bias",
        "residual_reading",
        "residual_positive",
        "residual_negative",
        "work_margin",
    ):
        assert getattr(refitted, name) == pytest.approx(getattr(model, name), abs=1e-3), name
    assert refitted.weights.keys() == model.weights.keys()
    assert all(
        max(abs(a - b) for a, b in zip(refitted.weights[feature], row, strict=True)) < 1e-3
        for feature, row in model.weights.items()
    )
    assert report.irony.precision >= 0.9 and report.plain.precision >= 0.9
    assert report.r_turned > report.r_before and report.f1_turned > report.f1_before
    # the residual's cross-validation, as training recorded it in the file
    recorded = json.loads(SHIPPED.read_text("utf-8"))["trained_on"]
    assert recorded["cv_r_after"] > recorded["cv_r_turned"] == round(report.r_turned, 4)
    assert recorded["cv_f1_after"] > recorded["cv_f1_turned"] == round(report.f1_turned, 4)


def test_messages_are_reread_only_as_the_model_says() -> None:
    component = sentiment()
    model = component.reread
    assert model is not None
    texts = [
        row.text
        for name in ("workplace_chat.jsonl", "workplace_train/finance.jsonl")
        for row in load_workplace_set(DATA / name)
    ]
    seen: set[str] = set()
    for doc in pipeline().pipe(texts, disable=["nudges_themes"]):
        component.reread = None
        try:
            before = component.valence(doc)
        finally:
            component.reread = model
        after = component.valence(doc)
        totals = model.totals(lower_words(doc))
        work, irony, plain = totals[:3]
        talk = work > -model.work_margin
        if SentimentComponent.kept(doc) or (not talk and before == 0.0):
            assert after == before
            seen.add("kept" if SentimentComponent.kept(doc) else "neutral other text")
            continue
        if not talk:
            expected = before + model.general_share * model.residual(before, totals)
            assert after == max(-1.0, min(1.0, expected))
            seen.add("other text")
            continue
        reading = before
        if work <= 0.0:
            seen.add("work talk below the cut")
        elif before > 0.0 and irony > 0.0:
            reading = model.irony_valence
            seen.add("irony")
        elif before < 0.0 and plain > 0.0:
            reading = model.plain_valence
            seen.add("plain")
        assert after == calibrated(reading + model.work_share * model.residual(reading, totals))
    assert seen == {
        "kept",
        "neutral other text",
        "other text",
        "work talk below the cut",
        "irony",
        "plain",
    }


EVERYTHING = dataclasses.replace(
    TOY,
    work_bias=1.0,
    irony_bias=1.0,
    plain_bias=1.0,
    residual_bias=0.5,
    general_share=1.0,
    weights={},
)
"""A model that rereads every message and turns every reading."""


def test_distress_is_never_reread() -> None:
    """With a model that would turn every reading, a message flagged for distress keeps
    the rules' valence (components.py guards it, not the shipped model's weights)."""
    component = sentiment()
    shipped_model = component.reread
    rows = [row for row in load_workplace_set(DATA / "workplace_chat.jsonl") if row.distress]
    assert len(rows) >= 15
    docs = list(pipeline().pipe(row.text for row in rows))
    try:
        component.reread = EVERYTHING
        turned = component.valence(pipeline()("great demo today, thanks all 🎉"))
        assert turned == calibrated(-0.4 + 0.5)
        flagged = [doc for doc in docs if doc._.distress]
        assert len(flagged) >= 15
        for doc in flagged:
            assert component.valence(doc) == component.rules_valence(doc) <= -0.8
    finally:
        component.reread = shipped_model


@pytest.mark.parametrize(
    "text",
    [
        "some days i just want everything to be over",
        "i honestly hate being alive",
        "i've thought about ending things",
        "scared of what i might do if this sprint continues",
        "i can't hold it together anymore at work",
    ],
)
def test_despair_is_never_softened(text: str) -> None:
    """A message with a despair idiom (idioms.tsv, kind ``despair``) that the distress
    detector leaves alone (it could be hyperbole) keeps the rules' strong reading: a
    model fitted on everyday chat would pull it towards the mean."""
    component = sentiment()
    shipped_model = component.reread
    doc = pipeline()(text)
    assert doc._.distress is False and doc.user_data.get(DESPAIR_KEY) is True
    try:
        component.reread = EVERYTHING
        assert SentimentComponent.kept(doc)
        assert component.valence(doc) == component.rules_valence(doc) <= -0.5
    finally:
        component.reread = shipped_model
    assert score_many([text])[0] <= -0.5


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
        rows = [model.weights[f] for f in features if f in model.weights]
        residual = model.residual_bias
        biases = (model.work_bias, model.irony_bias, model.plain_bias, *[residual] * 3)
        expected = [bias + sum(row[column] for row in rows) for column, bias in enumerate(biases)]
        assert model.totals(lowers) == pytest.approx(expected, abs=1e-9)


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


def test_a_batch_reads_each_message_as_alone() -> None:
    """Messages of a batch (empty ones too) never share a pair or a feature."""
    model = shipped()
    vocabulary = sorted({word for feature in model.weights for word in feature.split(" ")})
    generator = random.Random(7)
    for _ in range(200):
        batch = [
            [generator.choice([*vocabulary[::97], "12", "<s>"]) for _ in range(length)]
            for length in (generator.choice([0, 0, 1, 2, 5, 9]) for _ in range(8))
        ]
        together = model.totals_many(batch)
        for row, lowers in zip(together.tolist(), batch, strict=True):
            assert row == pytest.approx(model.totals(lowers), abs=1e-9)


def test_a_pickled_model_reads_the_same_in_another_process() -> None:
    """The keys are Python string hashes, which differ between processes: a pickled model
    (``nlp.pipe(n_process=...)`` pickles the pipeline) rebuilds them where it is read."""
    lowers = ["the", "build", "is", "green", "again", "lol"]
    found = in_another_process(shipped(), f"model.totals({lowers!r})")
    assert found == pytest.approx(shipped().totals(lowers), abs=1e-9)
    assert pickle.loads(pickle.dumps(NEAR)) == NEAR  # every field, in its place
