"""The content library: prompts, micro-lesson courses, check-in questions, support text.

Content is data (YAML in ``nudges/content/<kind>/<locale>/``), validated here by strict
schemas: an unknown key, a duplicate id, an over-long text or an unknown situation or
theme is an error at load time, not a surprise in a manager's digest. English is complete;
other locales may cover part of the content and fall back to English item by item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

DEFAULT_LOCALE = "en"

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when available (several times faster), else PyYAML's."""


class Situation(StrEnum):
    """What a team may be going through, as the engine detects it."""

    SENTIMENT_DROP = "sentiment_drop"
    THEME_SPIKE = "theme_spike"
    LOW_CHECKIN = "low_checkin"
    FALLING_CHECKIN = "falling_checkin"
    PARTICIPATION_DROP = "participation_drop"
    AFTER_HOURS_RISING = "after_hours_rising"
    SUSTAINED_GOOD = "sustained_good"
    EVERGREEN = "evergreen"


class Theme(StrEnum):
    """Wellbeing themes the signals pipeline tags in messages."""

    WORKLOAD = "workload"
    FATIGUE = "fatigue"
    RECOGNITION = "recognition"
    CONFLICT = "conflict"
    UNCERTAINTY = "uncertainty"
    ISOLATION = "isolation"
    BLOCKED = "blocked"
    GROWTH = "growth"
    AFTER_HOURS = "after_hours"


class Dimension(StrEnum):
    """What a check-in question asks about."""

    MOOD = "mood"
    ENERGY = "energy"
    WORKLOAD = "workload"
    SUPPORT = "support"
    BELONGING = "belonging"
    PSYCH_SAFETY = "psych_safety"
    GROWTH = "growth"


def _bounded(max_length: int, min_length: int = 1) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


_Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A public source an item rests on."""

    title: Annotated[str, _bounded(300)]
    author: Annotated[str, _bounded(300)]
    year: int = Field(ge=1900, le=2100)
    publisher: Annotated[str, _bounded(200)]
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None

    def cite(self) -> str:
        return f"{self.author} ({self.year}), {self.title}. {self.publisher}."


class Prompt(_Strict):
    """An empathy or wellbeing prompt for a manager."""

    id: _Id
    kind: Literal["empathy", "wellbeing"]
    situations: tuple[Situation, ...] = Field(min_length=1, max_length=4)
    themes: tuple[Theme, ...] = Field(default=(), max_length=3)
    title: Annotated[str, _bounded(70)]
    body: Annotated[str, _bounded(500)]
    try_this_week: Annotated[str, _bounded(200)]
    one_on_one_questions: tuple[Annotated[str, _bounded(120)], ...] = ()
    why_it_works: Annotated[str, _bounded(300)]
    source: Source

    @model_validator(mode="after")
    def _check(self) -> Prompt:
        if not self.id.startswith(f"{self.kind}-"):
            raise ValueError(f"id {self.id!r} must start with {self.kind!r}-")
        if len(self.one_on_one_questions) == 1 or len(self.one_on_one_questions) > 3:
            raise ValueError("one_on_one_questions: give none, two or three")
        if Situation.THEME_SPIKE in self.situations and not self.themes:
            raise ValueError("a theme_spike prompt must name its themes")
        return self


class Lesson(_Strict):
    """A two-minute micro-lesson with one practice and one reflection question."""

    id: _Id
    title: Annotated[str, _bounded(70)]
    body: Annotated[str, _bounded(1200, 200)]
    practice: Annotated[str, _bounded(240)]
    reflection: Annotated[str, _bounded(160)]
    source: Source


class CourseInfo(_Strict):
    id: _Id
    title: Annotated[str, _bounded(60)]
    summary: Annotated[str, _bounded(200)]
    situations: tuple[Situation, ...] = Field(min_length=1)
    themes: tuple[Theme, ...] = ()


class Course(_Strict):
    """An ordered series of lessons; managers go through it one lesson a week."""

    info: CourseInfo
    lessons: tuple[Lesson, ...] = Field(min_length=6)

    @property
    def id(self) -> str:
        return self.info.id


class ScaleOption(_Strict):
    value: int = Field(ge=1, le=5)
    emoji: Annotated[str, _bounded(16)]
    label: Annotated[str, _bounded(20)]


class Question(_Strict):
    """A pulse check-in question on a five-point scale (5 is always best for the person)."""

    id: _Id
    dimension: Dimension
    text: Annotated[str, _bounded(110)]
    scale: tuple[ScaleOption, ...] = Field(min_length=5, max_length=5)
    why: Annotated[str, _bounded(200)]
    source: Source

    @model_validator(mode="after")
    def _check(self) -> Question:
        if [option.value for option in self.scale] != [1, 2, 3, 4, 5]:
            raise ValueError("scale values must be 1, 2, 3, 4, 5 in order")
        if not self.text.endswith("?"):
            raise ValueError("question text must end with '?'")
        return self


class Rotation(_Strict):
    """How questions rotate so nobody is asked the same thing every week."""

    questions_per_round: int = Field(ge=1, le=5)
    min_rounds_between_repeats: int = Field(ge=0)
    anchor_dimension: Dimension
    max_per_dimension_per_round: int = Field(ge=1)


class SupportResource(_Strict):
    label: Annotated[str, _bounded(60)]
    detail: Annotated[str, _bounded(200)]
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None


class SupportResources(_Strict):
    """Shown privately to someone whose words suggest acute distress. HR may replace it."""

    title: Annotated[str, _bounded(60)]
    intro: Annotated[str, _bounded(400)]
    resources: tuple[SupportResource, ...] = Field(min_length=1, max_length=6)
    closing: Annotated[str, _bounded(200)]


class ContentError(ValueError):
    """A content file is invalid; the message names the file and the problem."""


class Library:
    """All content, by locale. Look-ups fall back to English item by item."""

    def __init__(
        self,
        *,
        prompts: dict[str, dict[str, Prompt]],
        courses: dict[str, dict[str, Course]],
        questions: dict[str, dict[str, Question]],
        rotation: Rotation,
        support: dict[str, SupportResources],
    ) -> None:
        self._prompts = prompts
        self._courses = courses
        self._questions = questions
        self.rotation = rotation
        self._support = support
        self._views: dict[tuple[int, str], dict[str, Any]] = {}
        english_ids = set(prompts[DEFAULT_LOCALE])
        for locale, items in prompts.items():
            if not set(items) <= english_ids:
                raise ContentError(f"prompts/{locale} has ids that English lacks")

    @property
    def locales(self) -> frozenset[str]:
        return frozenset(self._prompts) | frozenset(self._questions) | frozenset(self._support)

    def _localised(self, table: dict[str, dict[str, Any]], locale: str) -> dict[str, Any]:
        """English items, each replaced by its translation where one exists (cached)."""
        language = _language(locale)
        cache_key = (id(table), language)
        view = self._views.get(cache_key)
        if view is None:
            base = table[DEFAULT_LOCALE]
            override = table.get(language, {})
            view = {key: override.get(key, value) for key, value in base.items()}
            self._views[cache_key] = view
        return view

    def prompts(self, locale: str = DEFAULT_LOCALE) -> list[Prompt]:
        return list(self._localised(self._prompts, locale).values())

    def prompt(self, prompt_id: str, locale: str = DEFAULT_LOCALE) -> Prompt:
        prompt: Prompt = self._localised(self._prompts, locale)[prompt_id]
        return prompt

    def courses(self, locale: str = DEFAULT_LOCALE) -> list[Course]:
        return list(self._localised(self._courses, locale).values())

    def course(self, course_id: str, locale: str = DEFAULT_LOCALE) -> Course:
        course: Course = self._localised(self._courses, locale)[course_id]
        return course

    def lesson(self, lesson_id: str, locale: str = DEFAULT_LOCALE) -> Lesson:
        for course in self.courses(locale):
            for lesson in course.lessons:
                if lesson.id == lesson_id:
                    return lesson
        raise KeyError(lesson_id)

    def questions(self, locale: str = DEFAULT_LOCALE) -> list[Question]:
        return list(self._localised(self._questions, locale).values())

    def question(self, question_id: str, locale: str = DEFAULT_LOCALE) -> Question:
        question: Question = self._localised(self._questions, locale)[question_id]
        return question

    def support(self, locale: str = DEFAULT_LOCALE) -> SupportResources:
        return self._support.get(_language(locale), self._support[DEFAULT_LOCALE])

    def with_support(self, overrides: dict[str, SupportResources]) -> Library:
        """The same library with HR's own support resources (per locale) in front."""
        return Library(
            prompts=self._prompts,
            courses=self._courses,
            questions=self._questions,
            rotation=self.rotation,
            support={**self._support, **overrides},
        )


def _language(locale: str) -> str:
    """``de-AT`` and ``de_AT`` look up ``de``."""
    return locale.replace("_", "-").split("-")[0].lower()


def _files(kind: str, root: Traversable) -> Iterator[tuple[str, Traversable]]:
    folder = root / kind
    if not folder.is_dir():
        return
    for locale_dir in sorted(folder.iterdir(), key=lambda item: item.name):
        if not locale_dir.is_dir():
            continue
        for item in sorted(locale_dir.iterdir(), key=lambda entry: entry.name):
            if item.name.endswith((".yaml", ".yml")):
                yield locale_dir.name, item


def _read(item: Traversable, locale: str) -> dict[str, Any]:
    where = f"{item.name} ({locale})"
    try:
        data = yaml.load(item.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ContentError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{where}: expected a mapping at the top")
    if data.get("locale") != locale:
        raise ContentError(f"{where}: locale {data.get('locale')!r} does not match its folder")
    return data


def _validated(model: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValueError as exc:
        raise ContentError(f"{where}: {exc}") from None


def _add(
    table: dict[str, dict[str, Any]], locale: str, item_id: str, item: Any, where: str
) -> None:
    bucket = table.setdefault(locale, {})
    if item_id in bucket:
        raise ContentError(f"{where}: duplicate id {item_id!r}")
    bucket[item_id] = item


def load_library(root: Traversable | None = None) -> Library:
    """Load and validate every content file under ``root`` (the packaged content)."""
    root = root or resources.files("nudges") / "content"
    prompts: dict[str, dict[str, Prompt]] = {}
    courses: dict[str, dict[str, Course]] = {}
    questions: dict[str, dict[str, Question]] = {}
    support: dict[str, SupportResources] = {}
    rotation: Rotation | None = None

    for locale, item in _files("prompts", root):
        data = _read(item, locale)
        for raw in _sequence(data, "prompts", item.name):
            prompt = _validated(Prompt, raw, f"prompts/{locale}/{item.name}")
            _add(prompts, locale, prompt.id, prompt, f"prompts/{locale}/{item.name}")

    lesson_ids: set[tuple[str, str]] = set()
    for locale, item in _files("lessons", root):
        data = _read(item, locale)
        where = f"lessons/{locale}/{item.name}"
        info = _validated(CourseInfo, data.get("course"), where)
        course = _validated(
            Course, {"info": info, "lessons": _sequence(data, "lessons", item.name)}, where
        )
        if item.name.rsplit(".", 1)[0] != course.id:
            raise ContentError(f"{where}: course id {course.id!r} must match the file name")
        for lesson in course.lessons:
            if (locale, lesson.id) in lesson_ids:
                raise ContentError(f"{where}: duplicate lesson id {lesson.id!r}")
            lesson_ids.add((locale, lesson.id))
        _add(courses, locale, course.id, course, where)

    for locale, item in _files("questions", root):
        data = _read(item, locale)
        where = f"questions/{locale}/{item.name}"
        if "rotation" in data:
            rotation = _validated(Rotation, data["rotation"], where)
        for raw in _sequence(data, "questions", item.name):
            question = _validated(Question, raw, where)
            _add(questions, locale, question.id, question, where)

    for locale, item in _files("support", root):
        data = _read(item, locale)
        support[locale] = _validated(
            SupportResources, data.get("support"), f"support/{locale}/{item.name}"
        )

    for name, table in (("prompts", prompts), ("lessons", courses), ("questions", questions)):
        if DEFAULT_LOCALE not in table:
            raise ContentError(f"{name}: English ({DEFAULT_LOCALE}) content is missing")
    if DEFAULT_LOCALE not in support:
        raise ContentError("support: English resources are missing")
    if rotation is None:
        raise ContentError("questions/en: the rotation rules are missing")
    return Library(
        prompts=prompts, courses=courses, questions=questions, rotation=rotation, support=support
    )


def load_support_file(text: str, name: str = "support file") -> dict[str, SupportResources]:
    """HR's support resources: YAML mapping locale -> {title, intro, resources, closing}.

    Raises :class:`ContentError` naming the locale and the problem.
    """
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ContentError(f"{name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise ContentError(f"{name}: expected a mapping of locale to support text, like en: ...")
    return {
        _language(str(locale)): _validated(SupportResources, value, f"{name} ({locale})")
        for locale, value in data.items()
    }


def _sequence(data: dict[str, Any], key: str, name: str) -> Sequence[Any]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise ContentError(f"{name}: expected a non-empty list under {key!r}")
    return value


@cache
def library() -> Library:
    """The packaged library, loaded once per process."""
    return load_library()
