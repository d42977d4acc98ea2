"""The learned irony model: its file, its training data, and where the pipeline uses it."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import cast

import pytest
from spacy.language import Language

from nudges.signals import build_pipeline, score_many
from nudges.signals.components import SentimentComponent
from nudges.signals.evaluation import load_workplace_set
from nudges.signals.model import IRONY_FILE, IronyModel, chat_features, load_irony_model
from nudges.signals.tokenizer import lower_words
from nudges.signals.training import (
    GENERAL_FILES,
    SENTIMENT_VALIDATION,
    fingerprint,
    general_chat_files,
    general_texts,
    train_irony,
    valence_training_files,
)

REPOSITORY = Path(__file__).resolve().parents[3]
DATA = REPOSITORY / "tests" / "data"
SHIPPED = REPOSITORY / "nudges" / "signals" / "lexicons" / IRONY_FILE
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


def shipped() -> IronyModel:
    model = load_irony_model()
    assert model is not None, f"{IRONY_FILE} is missing"
    return model


def test_features_are_words_and_adjacent_pairs() -> None:
    features = chat_features(["love", "how", "3", "reviews", "stall"])

    assert {"love", "how", "<num>", "<s> love", "love how", "how <num>"} <= features
    assert "<num> reviews" in features and "love _ <num>" not in features


def test_both_models_must_agree_before_a_message_is_turned() -> None:
    model = IronyModel(
        work_bias=-1.0,
        irony_bias=-1.0,
        valence=-0.4,
        weights={"standup": (2.0, 0.0), "love how": (0.0, 2.0), "film": (-3.0, 0.0)},
    )

    assert model.ironic(["love", "how", "standup", "ran", "over"])
    assert not model.ironic(["love", "how", "the", "film", "ended"])  # not work talk
    assert not model.ironic(["standup", "ran", "over"])  # work talk, nothing ironic
    assert not model.ironic([])


def test_a_model_file_round_trips_and_bad_files_are_refused() -> None:
    model = IronyModel(work_bias=-1.5, irony_bias=-0.7, valence=-0.45, weights={"w": (1.0, 0.5)})

    assert IronyModel.from_json(model.to_json(trained_on={"examples": 1})) == model
    good = json.loads(model.to_json(trained_on={}))
    for broken in (
        {**good, "weights": {"w": [1.0]}},
        {**good, "weights": {"w": "heavy"}},
        {key: value for key, value in good.items() if key != "work_bias"},
        {**good, "valence": 0.3},
    ):
        with pytest.raises(ValueError, match=IRONY_FILE):
            IronyModel.from_json(json.dumps(broken))


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
    refitted, report = train_irony(
        valence_training_files(DATA), general_texts(GENERAL, DATA), valence
    )
    model = shipped()

    assert refitted.valence == pytest.approx(model.valence, abs=1e-4)
    assert refitted.work_bias == pytest.approx(model.work_bias, abs=1e-3)
    assert refitted.irony_bias == pytest.approx(model.irony_bias, abs=1e-3)
    assert refitted.weights.keys() == model.weights.keys()
    assert all(
        abs(refitted.weights[feature][0] - work) < 1e-3
        and abs(refitted.weights[feature][1] - irony) < 1e-3
        for feature, (work, irony) in model.weights.items()
    )
    assert report.precision >= 0.9 and report.r_after > report.r_before


def test_only_a_positive_reading_is_ever_turned() -> None:
    component = sentiment()
    model = component.irony
    assert model is not None
    texts = [
        row.text
        for name in ("workplace_chat.jsonl", "workplace_train/finance.jsonl")
        for row in load_workplace_set(DATA / name)
    ]
    turned = 0
    for doc in pipeline().pipe(texts, disable=["nudges_themes"]):
        component.irony = None
        try:
            before = component.valence(doc)
        finally:
            component.irony = model
        after = component.valence(doc)
        if after != before:
            turned += 1
            assert before > 0 and after == model.valence
            assert model.ironic(lower_words(doc))
    assert turned > 0


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
