"""The learned theme model: its file, its training data, and how the pipeline uses it."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import cast

import pytest
from spacy.language import Language

from nudges.signals import analyze_many, build_pipeline
from nudges.signals.components import ThemesComponent
from nudges.signals.evaluation import load_workplace_set
from nudges.signals.model import (
    THEMES_FILE,
    ThemeModel,
    grams,
    load_theme_model,
    rule_feature,
    theme_features,
)
from nudges.signals.themes import THEMES
from nudges.signals.tokenizer import LOWERS_KEY, lower_words
from nudges.signals.training import _options, fingerprint, train, training_files

REPOSITORY = Path(__file__).resolve().parents[3]
DATA = REPOSITORY / "tests" / "data"
SHIPPED = REPOSITORY / "nudges" / "signals" / "lexicons" / THEMES_FILE


@functools.cache
def pipeline() -> Language:
    return build_pipeline()


def shipped() -> ThemeModel:
    model = load_theme_model()
    assert model is not None, f"{THEMES_FILE} is missing"
    return model


def test_features_are_words_pairs_stems_rule_themes_and_the_valence_sign() -> None:
    assert grams(["still", "no", "access"]) == {
        "still",
        "no",
        "access",
        "<s> still",
        "still no",
        "no access",
        "still _ access",
        "~acces",
    }
    assert "~overw" in grams(["overworked"]) & grams(["overwhelmed"])
    assert grams(["3rd", "time"]) == {"<num>", "time", "<s> <num>", "<num> time"}
    features = theme_features(["ok"], {"workload"}, -0.4)
    assert {rule_feature("workload"), "<valence->"} <= features


def test_a_model_file_round_trips_and_bad_files_are_refused() -> None:
    model = ThemeModel(bias={"workload": -1.0}, weights={"swamped": {"workload": 2.5}})
    again = ThemeModel.from_json(model.to_json(trained_on={"examples": 1}))
    assert again == model
    assert again.themes({"swamped"}) == {"workload"}
    assert again.themes({"fine"}) == frozenset()

    with pytest.raises(ValueError, match="not a theme model"):
        ThemeModel.from_json('{"bias": 3}')
    with pytest.raises(ValueError, match="without a bias"):
        ThemeModel.from_json('{"bias": {}, "weights": {"x": {"workload": 1.0}}}')


def test_the_shipped_model_knows_every_theme_and_was_fitted_on_the_current_data() -> None:
    model = shipped()
    assert set(model.bias) == set(THEMES)
    trained_on = json.loads(SHIPPED.read_text("utf-8"))["trained_on"]
    assert trained_on["files"] == fingerprint(training_files(DATA)), (
        "the training data changed: run python -m nudges.signals.training"
    )


def test_training_never_reads_the_held_out_set() -> None:
    names = [path.name for path in training_files(DATA)]
    assert "workplace_chat_holdout.jsonl" not in names
    assert "workplace_chat.jsonl" in names
    assert len(names) >= 7


def test_refitting_gives_the_shipped_decisions(tmp_path: Path) -> None:
    """The file is what the training code makes of the training data (no hand edits)."""
    refitted, report = train(training_files(DATA))
    assert report.both.precision >= 0.75
    assert report.both.recall > report.rules.recall
    model = shipped()
    rows = [row for path in training_files(DATA) for row in load_workplace_set(path)]
    nlp = pipeline()
    component = cast(ThemesComponent, nlp.get_pipe("nudges_themes"))
    differ = 0
    for doc in nlp.pipe(row.text for row in rows[:800]):
        features = theme_features(lower_words(doc), component.tagger(doc), 0.0)
        differ += model.themes(features) != refitted.themes(features)
    assert differ <= 8  # weights under the file's cut-off are left out


def test_the_pipeline_reports_what_the_model_makes_of_the_rules_themes() -> None:
    rows = load_workplace_set(DATA / "workplace_chat.jsonl")
    nlp = pipeline()
    component = cast(ThemesComponent, nlp.get_pipe("nudges_themes"))
    model = component.model
    assert model is not None
    texts = [row.text for row in rows]
    found = added = dropped = 0
    for doc, result in zip(nlp.pipe(texts), analyze_many(texts), strict=True):
        rules = component.tagger(doc, valence=result.sentiment)
        features = theme_features(lower_words(doc), rules, result.sentiment)
        assert result.themes == model.themes(features, rules)
        found += len(rules)
        added += len(result.themes - rules)
        dropped += len(rules - result.themes)
    assert added > 0
    assert dropped <= found // 20  # the model overrules the rules only where they misfire


def test_a_rule_find_needs_less_evidence_than_the_model_alone() -> None:
    model = ThemeModel(
        bias={"workload": -1.0, "fatigue": -1.0},
        weights={"swamped": {"workload": 0.5, "fatigue": 0.5}, "fine": {"workload": -2.0}},
        keep={"workload": -0.8},
    )

    assert model.themes({"swamped"}) == frozenset()
    assert model.themes({"swamped"}, {"workload"}) == {"workload"}
    assert model.themes({"swamped", "fine"}, {"workload"}) == frozenset()
    assert model.themes({"swamped", "fine"}, {"fatigue"}) == {"fatigue"}  # no keep: kept
    assert ThemeModel.from_json(model.to_json(trained_on={})) == model


def test_the_model_finds_a_theme_said_without_a_cue_word() -> None:
    text = "i have 40 open tickets and 6 escalations today"
    nlp = pipeline()
    component = cast(ThemesComponent, nlp.get_pipe("nudges_themes"))
    assert "workload" not in component.tagger(nlp.make_doc(text))
    assert "workload" in analyze_many([text])[0].themes


def test_lower_words_falls_back_to_the_tokens() -> None:
    nlp = pipeline()
    doc = nlp.make_doc("Crushed IT today")
    assert lower_words(doc) == ["crushed", "it", "today"]
    del doc.user_data[LOWERS_KEY]
    assert lower_words(doc) == ["crushed", "it", "today"]


def test_a_rule_find_is_overruled_only_where_the_dropped_finds_were_mostly_wrong() -> None:
    scores = [-3.0, -2.5, -2.0, -1.5] + [1.0] * 6
    found = [True] * 10
    mostly_right = [True, True, True, False] + [True] * 6
    mostly_wrong = [False, False, False, True] + [True] * 6

    assert _options(scores, found, mostly_right, veto_cost=4.0).keep == -math.inf
    assert -2.0 < _options(scores, found, mostly_wrong, veto_cost=4.0).keep < -1.5
    assert math.isfinite(_options(scores, found, mostly_right, veto_cost=4.0).adds[0])
