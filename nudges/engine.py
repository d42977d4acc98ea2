"""The nudge engine: what a team is going through -> one prompt, one lesson, and why.

Everything here is a pure function of its inputs. The flow:

1. :func:`gate` turns a team's stored weekly sums (:class:`RawWeek`) into what may be
   shown (:class:`GatedWeek`): every figure from fewer people than the minimum group size
   becomes ``None``. Nothing after the gate ever sees an ungated number.
2. :func:`detect` compares this week with the team's own earlier weeks (robust z-scores
   against the median) and returns :class:`Finding` s, each with explanation lines built
   only from gated figures.
3. :func:`plan_digest` applies the anti-fatigue rules, picks a prompt by Thompson sampling
   among the eligible items (learning from managers' feedback), picks the next lesson of
   the best-fitting course, and returns a :class:`Nudge` or a :class:`Skip` with a reason.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from nudges.library import Course, Dimension, Lesson, Library, Prompt, Situation, Theme
from nudges.privacy import effective_group_size, participation_may_show
from nudges.weeks import weeks_between

BASELINE_WEEKS = 4
"""Earlier weeks with figures needed before comparing a team with itself."""

NO_REPEAT_WEEKS = 12
IGNORED_IN_A_ROW = 3
NEGATIVE_THEMES = (
    Theme.WORKLOAD,
    Theme.FATIGUE,
    Theme.CONFLICT,
    Theme.UNCERTAINTY,
    Theme.ISOLATION,
    Theme.BLOCKED,
    Theme.AFTER_HOURS,
)
THEME_LABELS = {
    Theme.WORKLOAD: "Workload",
    Theme.FATIGUE: "Tiredness",
    Theme.RECOGNITION: "Recognition",
    Theme.CONFLICT: "Friction",
    Theme.UNCERTAINTY: "Uncertainty about change",
    Theme.ISOLATION: "Feeling left out",
    Theme.BLOCKED: "Being blocked",
    Theme.GROWTH: "Learning and growth",
    Theme.AFTER_HOURS: "Working after hours",
}
DIMENSION_LABELS = {
    Dimension.MOOD: "mood",
    Dimension.ENERGY: "energy",
    Dimension.WORKLOAD: "workload",
    Dimension.SUPPORT: "feeling supported",
    Dimension.BELONGING: "belonging",
    Dimension.PSYCH_SAFETY: "safety to speak up",
    Dimension.GROWTH: "growth",
}
DIMENSION_THEMES = {
    Dimension.WORKLOAD: Theme.WORKLOAD,
    Dimension.ENERGY: Theme.FATIGUE,
    Dimension.BELONGING: Theme.ISOLATION,
    Dimension.SUPPORT: Theme.RECOGNITION,
    Dimension.PSYCH_SAFETY: Theme.CONFLICT,
    Dimension.GROWTH: Theme.GROWTH,
}


# ---------------------------------------------------------------- inputs and the gate


@dataclass(frozen=True)
class DimensionTally:
    """Check-in answers for one dimension in one week."""

    total: float
    answers: int
    respondents: int


@dataclass(frozen=True)
class RawWeek:
    """A team's stored aggregates for one week, before the privacy gate."""

    week: str
    members: int
    contributors: int = 0
    messages: int = 0
    sentiment_sum: float = 0.0
    sentiment_sq_sum: float = 0.0
    theme_counts: Mapping[str, int] = field(default_factory=dict)
    after_hours: int = 0
    checkin_respondents: int = 0
    checkin: Mapping[str, DimensionTally] = field(default_factory=dict)


@dataclass(frozen=True)
class GatedWeek:
    """What may be shown of one week. ``None`` (or empty) wherever too few took part."""

    week: str
    members: int
    contributors: int | None = None
    messages: int | None = None
    sentiment: float | None = None
    theme_rates: Mapping[str, float] = field(default_factory=dict)
    after_hours_share: float | None = None
    checkin_respondents: int | None = None
    checkin_mean: float | None = None
    dimension_means: Mapping[str, float] = field(default_factory=dict)
    participation: float | None = None
    """Share of the team that answered check-ins: only when both those who answered and
    those who did not are at least the minimum group, so it never tells a manager that
    everyone (or everyone but one) took part."""

    @property
    def chat_shown(self) -> bool:
        return self.sentiment is not None

    @property
    def checkin_shown(self) -> bool:
        return self.checkin_mean is not None

    @property
    def any_shown(self) -> bool:
        return self.chat_shown or self.checkin_shown


def gate(raw: RawWeek, min_group: int) -> GatedWeek:
    """Keep only figures drawn from at least the minimum group.

    Chat figures (text-derived) need ``max(min_group, 5)`` contributors; check-in figures
    need ``min_group`` respondents, overall and per dimension.
    """
    text_floor = effective_group_size(min_group, text_derived=True)
    plain_floor = effective_group_size(min_group, text_derived=False)
    chat = raw.messages > 0 and raw.contributors >= text_floor
    checkin = raw.checkin_respondents > 0 and raw.checkin_respondents >= plain_floor
    dimension_means = (
        {
            dimension: tally.total / tally.answers
            for dimension, tally in raw.checkin.items()
            if tally.answers > 0 and tally.respondents >= plain_floor
        }
        if checkin
        else {}
    )
    # The overall mean uses only dimensions that passed on their own, so no answer from
    # a dimension too few people answered can move it.
    shown = [raw.checkin[dimension] for dimension in dimension_means]
    answers = sum(tally.answers for tally in shown)
    total = sum(tally.total for tally in shown)
    return GatedWeek(
        week=raw.week,
        members=raw.members,
        contributors=raw.contributors if chat else None,
        messages=raw.messages if chat else None,
        sentiment=raw.sentiment_sum / raw.messages if chat else None,
        theme_rates=(
            {theme: count / raw.messages for theme, count in raw.theme_counts.items()}
            if chat
            else {}
        ),
        after_hours_share=raw.after_hours / raw.messages if chat else None,
        checkin_respondents=raw.checkin_respondents if checkin else None,
        checkin_mean=total / answers if checkin and answers else None,
        dimension_means=dimension_means,
        participation=(
            raw.checkin_respondents / raw.members
            if checkin and participation_may_show(raw.checkin_respondents, raw.members, min_group)
            else None
        ),
    )


@dataclass(frozen=True)
class TeamWeek:
    """A team's gated week, its gated earlier weeks (oldest first) and, for teams too
    small to show anything, the gated organisation-wide picture."""

    team: str
    current: GatedWeek
    history: tuple[GatedWeek, ...] = ()
    org: GatedWeek | None = None
    org_history: tuple[GatedWeek, ...] = ()


def team_week(
    team: str,
    current: RawWeek,
    history: Sequence[RawWeek],
    *,
    min_group: int,
    org: RawWeek | None = None,
    org_history: Sequence[RawWeek] = (),
) -> TeamWeek:
    """Gate a team's raw weeks (and the org's) into a :class:`TeamWeek`."""
    return TeamWeek(
        team=team,
        current=gate(current, min_group),
        history=tuple(gate(week, min_group) for week in history),
        org=gate(org, min_group) if org is not None else None,
        org_history=tuple(gate(week, min_group) for week in org_history),
    )


# ---------------------------------------------------------------- detection


@dataclass(frozen=True)
class Finding:
    """Something the team is going through, how strongly, and how to say so."""

    situation: Situation
    severity: float
    lines: tuple[str, ...]
    themes: tuple[Theme, ...] = ()


def _robust_z(value: float, history: Sequence[float], floor: float) -> tuple[float, float]:
    """(z, baseline): distance from the median in units of the scaled MAD (never below
    ``floor``, so a very steady team is not alarmed by tiny moves)."""
    baseline = statistics.median(history)
    mad = statistics.median(abs(item - baseline) for item in history)
    return (value - baseline) / max(1.4826 * mad, floor), baseline


def _mood(value: float) -> str:
    return f"{value:+.2f}"


def detect(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    """Findings for ``current`` against the same team's earlier weeks, strongest first."""
    findings: list[Finding] = []
    recent = list(history)[-8:]
    findings += _sentiment_findings(current, recent)
    findings += _theme_findings(current, recent)
    findings += _checkin_findings(current, recent)
    findings += _participation_findings(current, recent)
    findings += _after_hours_findings(current, recent)
    if not findings:
        findings += _good_stretch(current, recent)
    return sorted(findings, key=lambda finding: -finding.severity)


def _series(history: Sequence[GatedWeek], value: str) -> list[float]:
    return [getattr(week, value) for week in history if getattr(week, value) is not None]


def _sentiment_findings(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    past = _series(history, "sentiment")
    if current.sentiment is None or len(past) < BASELINE_WEEKS:
        return []
    z, baseline = _robust_z(current.sentiment, past, floor=0.06)
    drop = baseline - current.sentiment
    if z > -1.5 or drop < 0.08:
        return []
    return [
        Finding(
            Situation.SENTIMENT_DROP,
            severity=min(-z / 1.5, 4.0),
            lines=(
                f"Team mood in chat is down {drop:.2f} from its usual level "
                f"({_mood(baseline)} to {_mood(current.sentiment)}, on a scale from -1 to +1).",
            ),
        )
    ]


def _theme_findings(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    if not current.theme_rates or current.messages is None:
        return []
    shown = [week for week in history if week.chat_shown]
    if len(shown) < BASELINE_WEEKS:
        return []
    findings = []
    for theme in NEGATIVE_THEMES:
        rate = current.theme_rates.get(theme, 0.0)
        past = [week.theme_rates.get(theme, 0.0) for week in shown]
        baseline = statistics.median(past)
        if rate * current.messages < 3 or rate < 0.06 or rate < max(2 * baseline, baseline + 0.05):
            continue
        z, _ = _robust_z(rate, past, floor=0.02)
        if z < 2:
            continue
        usual = f"the usual {baseline:.0%}" if baseline >= 0.005 else "almost never usually"
        findings.append(
            Finding(
                Situation.THEME_SPIKE,
                severity=min(1.0 + (rate - baseline) * 10, 4.0),
                lines=(
                    f"{THEME_LABELS[theme]} came up in {rate:.0%} of messages this week, "
                    f"against {usual}.",
                ),
                themes=(theme,),
            )
        )
    recognition = current.theme_rates.get(Theme.RECOGNITION, 0.0)
    past_recognition = [week.theme_rates.get(Theme.RECOGNITION, 0.0) for week in shown]
    if past_recognition and recognition < 0.5 * statistics.median(past_recognition) - 0.01:
        # A recognition gap is not a situation of its own: general practice, themed.
        findings.append(
            Finding(
                Situation.EVERGREEN,
                severity=1.2,
                lines=(
                    f"Thanks and recognition showed up in {recognition:.0%} of messages, "
                    f"half the usual {statistics.median(past_recognition):.0%} or less.",
                ),
                themes=(Theme.RECOGNITION,),
            )
        )
    return findings


def _checkin_findings(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    if current.checkin_mean is None:
        return []
    findings = []
    low_dimensions = sorted(
        (value, dimension) for dimension, value in current.dimension_means.items() if value <= 2.6
    )
    themes = tuple(
        DIMENSION_THEMES[Dimension(dimension)]
        for _, dimension in low_dimensions
        if Dimension(dimension) in DIMENSION_THEMES
    )
    if current.checkin_mean <= 3.0 or low_dimensions:
        lines = [f"Check-in answers averaged {current.checkin_mean:.1f} out of 5 this week."]
        if low_dimensions:
            value, dimension = low_dimensions[0]
            lines.append(
                f"The lowest was {DIMENSION_LABELS[Dimension(dimension)]}, at {value:.1f} out of 5."
            )
        findings.append(
            Finding(
                Situation.LOW_CHECKIN,
                severity=1.0 + max(0.0, 3.2 - current.checkin_mean),
                lines=tuple(lines),
                themes=themes,
            )
        )
    past = _series(history, "checkin_mean")
    if len(past) >= 2:
        baseline = statistics.median(past)
        fall = baseline - current.checkin_mean
        if fall >= 0.4:
            findings.append(
                Finding(
                    Situation.FALLING_CHECKIN,
                    severity=1.0 + fall,
                    lines=(
                        f"Check-in answers fell to {current.checkin_mean:.1f} out of 5 from a "
                        f"usual {baseline:.1f}.",
                    ),
                    themes=themes,
                )
            )
    return findings


def _participation_findings(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    past = [week.participation for week in history if week.participation is not None]
    if len(past) < BASELINE_WEEKS:
        return []
    baseline = statistics.median(past)
    now = current.participation
    if now is None:
        if any(week.checkin_shown for week in history[-2:]):
            return [
                Finding(
                    Situation.PARTICIPATION_DROP,
                    severity=1.5,
                    lines=(
                        "Fewer people than usual answered this week's check-in: too few to "
                        "show any check-in figures.",
                    ),
                )
            ]
        return []
    if now > baseline * 0.75 or baseline - now < 0.15:
        return []
    return [
        Finding(
            Situation.PARTICIPATION_DROP,
            severity=1.0 + (baseline - now) * 3,
            lines=(
                f"{now:.0%} of the team answered this week's check-in, against a usual "
                f"{baseline:.0%}.",
            ),
        )
    ]


def _after_hours_findings(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    past = _series(history, "after_hours_share")
    share = current.after_hours_share
    if share is None or len(past) < BASELINE_WEEKS:
        return []
    baseline = statistics.median(past)
    if share < 0.12 or share < baseline + 0.08 or share < 1.5 * baseline:
        return []
    return [
        Finding(
            Situation.AFTER_HOURS_RISING,
            severity=1.0 + (share - baseline) * 5,
            lines=(
                f"{share:.0%} of messages were sent outside working hours this week, up from "
                f"a usual {baseline:.0%}.",
            ),
            themes=(Theme.AFTER_HOURS,),
        )
    ]


def _good_stretch(current: GatedWeek, history: Sequence[GatedWeek]) -> list[Finding]:
    weeks = [*history[-2:], current]
    if len(weeks) < 3:
        return []

    def good(week: GatedWeek) -> bool:
        chat_good = week.sentiment is not None and week.sentiment >= 0.15
        checkin_good = week.checkin_mean is not None and week.checkin_mean >= 3.8
        return chat_good or checkin_good

    if not all(good(week) for week in weeks):
        return []
    detail = (
        f"this week {_mood(current.sentiment)} on a scale from -1 to +1"
        if current.sentiment is not None
        else f"check-ins at {current.checkin_mean:.1f} out of 5 this week"
    )
    return [
        Finding(
            Situation.SUSTAINED_GOOD,
            severity=0.5,
            lines=(f"The team has had three good weeks in a row ({detail}).",),
        )
    ]


# ---------------------------------------------------------------- planning


@dataclass(frozen=True)
class PastDigest:
    """A digest the manager received: what it held and whether they used it."""

    week: str
    prompt_id: str | None
    lesson_id: str | None
    interacted: bool


@dataclass(frozen=True)
class ManagerContext:
    """What the engine knows about the recipient; ``history`` is oldest first."""

    key: str
    locale: str = "en"
    history: tuple[PastDigest, ...] = ()
    snoozed_until: date | None = None
    away_until: date | None = None


@dataclass(frozen=True)
class OrgSettings:
    min_group: int = 5
    seed: int = 0


Posteriors = Mapping[tuple[str, str], tuple[int, int]]
"""(item id, situation) -> (successes, failures) from managers' feedback, org-wide."""


@dataclass(frozen=True)
class Nudge:
    """One digest's content: the prompt, the lesson, and why."""

    week: str
    team: str
    prompt: Prompt
    situation: Situation
    themes: tuple[Theme, ...]
    lesson: Lesson | None
    course: Course | None
    explanation: tuple[str, ...]
    numbers_shown: bool
    trend_labels: tuple[str, ...] = ()
    trend: tuple[float | None, ...] = ()
    situations: tuple[Situation, ...] = ()


@dataclass(frozen=True)
class Skip:
    """No digest this week, and why (shown in logs and ``digest send --dry-run``)."""

    week: str
    reason: str


def plan_digest(
    team_week: TeamWeek,
    manager: ManagerContext,
    *,
    week: str,
    today: date,
    library: Library,
    posteriors: Posteriors,
    settings: OrgSettings,
) -> Nudge | Skip:
    """Choose this week's digest for one manager, or say why there is none."""
    if manager.away_until is not None and today <= manager.away_until:
        return Skip(week, f"on leave until {manager.away_until.isoformat()}")
    if manager.snoozed_until is not None and today <= manager.snoozed_until:
        return Skip(week, f"snoozed until {manager.snoozed_until.isoformat()}")
    if any(past.week == week for past in manager.history):
        return Skip(week, "already had this week's digest")
    cadence_note = _cadence(manager, week)
    if isinstance(cadence_note, Skip):
        return cadence_note

    current = team_week.current
    if current.any_shown:
        findings = detect(current, team_week.history)
        numbers = True
        lines: list[str] = []
        shown_history = sum(1 for past in team_week.history if past.any_shown)
        if shown_history < BASELINE_WEEKS:
            lines.append(
                f"Comparisons with your team's usual weeks start after {BASELINE_WEEKS} weeks "
                f"of data ({shown_history} so far)."
            )
    else:
        numbers = False
        org = team_week.org
        if org is not None and org.any_shown:
            findings = [
                Finding(f.situation, f.severity, (), f.themes)
                for f in detect(org, team_week.org_history)
            ]
            lines = [
                "Too few people in your team took part this week to show team figures "
                "without risking anyone's privacy, so there are none.",
                "This prompt fits what the wider organisation is going through.",
            ]
        else:
            findings = []
            lines = [
                "Too few people in your team took part this week to show team figures "
                "without risking anyone's privacy, so there are none.",
                "This week's prompt is general good practice for any team.",
            ]

    rng = _generator(f"{settings.seed}:{manager.key}:{week}")
    recent_prompts = {
        past.prompt_id
        for past in manager.history
        if past.prompt_id and weeks_between(past.week, week) < NO_REPEAT_WEEKS
    }
    prompts = [p for p in library.prompts(manager.locale) if p.id not in recent_prompts]
    chosen, finding = _choose_prompt(prompts, findings, posteriors, rng)
    if chosen is None:
        return Skip(week, "no prompt left that was not used in the last 12 weeks")
    situation = finding.situation if finding else Situation.EVERGREEN
    themes = finding.themes if finding else ()
    explanation = [line for f in findings[:2] for line in f.lines] + lines
    if finding is None and numbers:
        explanation.insert(0, "Nothing unusual stood out this week.")
    if isinstance(cadence_note, str):
        explanation.append(cadence_note)
    course, lesson = _next_lesson(library, manager, findings)
    trend_labels, trend = _trend(team_week) if numbers else ((), ())
    return Nudge(
        week=week,
        team=team_week.team,
        prompt=chosen,
        situation=situation,
        themes=themes,
        lesson=lesson,
        course=course,
        explanation=tuple(explanation),
        numbers_shown=numbers,
        trend_labels=trend_labels,
        trend=trend,
        situations=tuple(dict.fromkeys(f.situation for f in findings)),
    )


def _cadence(manager: ManagerContext, week: str) -> str | Skip | None:
    """Every other week after three ignored digests in a row, until the next interaction."""
    last = manager.history[-IGNORED_IN_A_ROW:]
    if len(last) < IGNORED_IN_A_ROW or any(past.interacted for past in last):
        return None
    if weeks_between(last[-1].week, week) < 2:
        return Skip(week, "every other week after three digests without interaction")
    return (
        "You haven't used the last three digests, so they now come every other week. "
        "Press any button on this one to get them weekly again."
    )


def _choose_prompt(
    prompts: Sequence[Prompt],
    findings: Sequence[Finding],
    posteriors: Posteriors,
    rng: np.random.Generator,
) -> tuple[Prompt | None, Finding | None]:
    """Thompson sampling among the prompts that fit the strongest finding that has any."""
    # Themes seen anywhere this week steer the choice for the strongest situation too:
    # a mood drop during a workload spike calls for a workload-aware prompt.
    week_themes = {theme for finding in findings for theme in finding.themes}
    for finding in [*findings, None]:
        situation = finding.situation if finding else Situation.EVERGREEN
        fitting = [p for p in prompts if situation in p.situations]
        if finding is not None:
            wanted = set(finding.themes) or week_themes
            themed = [p for p in fitting if set(p.themes) & wanted]
            if finding.situation is Situation.THEME_SPIKE or themed:
                fitting = themed
        if fitting:
            return _thompson(fitting, situation, posteriors, rng), finding
    if prompts:
        return _thompson(list(prompts), Situation.EVERGREEN, posteriors, rng), None
    return None, None


def _generator(seed: str) -> np.random.Generator:
    """A random generator determined by ``seed`` (same seed, same choices)."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8]))


def _thompson(
    candidates: Sequence[Prompt],
    situation: Situation,
    posteriors: Posteriors,
    rng: np.random.Generator,
) -> Prompt:
    """One draw from each candidate's Beta posterior (all at once); the highest wins."""
    ordered = sorted(candidates, key=lambda item: item.id)
    key = situation.value
    counts = np.array(
        [posteriors.get((prompt.id, key), (0, 0)) for prompt in ordered], dtype=np.float64
    ).reshape(-1, 2)
    draws = rng.beta(1.0 + counts[:, 0], 1.0 + counts[:, 1])
    return ordered[int(np.argmax(draws))]


def _next_lesson(
    library: Library, manager: ManagerContext, findings: Sequence[Finding]
) -> tuple[Course | None, Lesson | None]:
    """The next unread lesson of the course that best fits this week."""
    done = {past.lesson_id for past in manager.history if past.lesson_id}
    situations = [finding.situation for finding in findings] or [Situation.EVERGREEN]
    themes = {theme for finding in findings for theme in finding.themes}

    def fit(course: Course) -> tuple[float, str]:
        score = 0.0
        for rank, situation in enumerate(situations[:3]):
            if situation in course.info.situations:
                score += 2.0 / (rank + 1)
        score += len(themes & set(course.info.themes))
        started = any(lesson.id in done for lesson in course.lessons)
        score += 0.75 if started else 0.0
        return score, course.id

    for course in sorted(library.courses(manager.locale), key=fit, reverse=True):
        for lesson in course.lessons:
            if lesson.id not in done:
                return course, lesson
    return None, None


def _trend(team_week: TeamWeek) -> tuple[tuple[str, ...], tuple[float | None, ...]]:
    weeks = [*team_week.history[-7:], team_week.current]
    return (
        tuple(week.week for week in weeks),
        tuple(week.sentiment for week in weeks),
    )
