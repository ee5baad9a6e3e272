"""The analytics reports (the services' own response models) drawn as charts: which numbers go on which axis, in
words a tutor, a student or a guardian reads."""

from __future__ import annotations

from tutorassist.analytics import quality_schemas as q
from tutorassist.analytics import schemas as a
from tutorassist.web.charts import Chart, bar_chart, line_chart, number, plain

NO_TOPIC = "No topic"
BUCKET_AXIS = {"day": "Day", "week": "Week starting"}


def topic_name(name: str | None) -> str:
    return plain(name) if name else NO_TOPIC


def unique(names: list[str]) -> list[str]:
    """Names as series keys: a repeated one (two topics called alike, or cut alike) gets its number, "Algebra (2)"."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def accuracy_over_time(report: a.StudentAccuracy, who: str) -> Chart:
    return line_chart(
        f"Accuracy per {report.bucket}", {who: [(p.start, p.accuracy) for p in report.points]},
        x_title=BUCKET_AXIS[report.bucket], y_title="Accuracy", series_title="Student", interval=report.bucket,
        span=(report.period.start, report.period.end),
        empty="No graded answers in this period yet.")


def mastery_progression(report: a.StudentTopics) -> Chart:
    """Accuracy per topic and bucket: one line (shape, dash) per topic."""
    names = unique([topic_name(t.topic_name) for t in report.topics])
    series = {name: [(p.start, p.accuracy) for p in t.points] for name, t in zip(names, report.topics)}
    return line_chart(f"Accuracy per topic and {report.bucket}", series, x_title=BUCKET_AXIS[report.bucket],
                      y_title="Accuracy", series_title="Topic", interval=report.bucket,
                      span=(report.period.start, report.period.end),
                      empty="No graded answers at any topic in this period yet.")


def mastery_estimates(report: a.StudentTopics) -> Chart:
    """The current mastery estimate per topic (knowledge tracing), with the attempts of the period beside it."""
    named = [t for t in report.topics if t.topic_id is not None]
    return bar_chart(
        "Mastery estimate per topic",
        list(zip(unique([topic_name(t.topic_name) for t in named]), [t.p_known for t in named])),
        category_title="Topic", value_title="Mastery estimate", extra_columns=["Attempts in the period"],
        extra=[[number(sum(p.attempts for p in t.points))] for t in named],
        empty="No mastery estimate yet: it starts with the first graded answer at a topic.")


def topics_accuracy(report: a.TopicsReport) -> Chart:
    return bar_chart(
        "Accuracy per topic",
        list(zip(unique([topic_name(t.topic_name) for t in report.topics]), [t.accuracy for t in report.topics])),
        category_title="Topic", value_title="Accuracy", extra_columns=["Graded answers (n)", "Students"],
        extra=[[number(t.graded), number(t.students)] for t in report.topics],
        empty="No graded answers in this period yet.")


def calibration(report: q.CalibrationOut) -> Chart:
    return bar_chart(
        "Observed facility per declared difficulty",
        [(f"Difficulty {level.difficulty}", level.facility) for level in report.levels],
        category_title="Declared difficulty", value_title="Facility (mean first-attempt score)",
        extra_columns=["Students (n)", "Questions"],
        extra=[[number(level.students) if level.facility is not None else f"{level.students} (too few students)",
                number(level.questions)] for level in report.levels],
        empty=f"Too few students so far: a level needs at least {report.min_sample} first attempts to be shown.")


def cost_per_day(report: q.UsageOut) -> Chart:
    return bar_chart(
        "AI cost per day (UTC)", [(row.key, row.cost_usd) for row in report.rows],
        category_title="Day", value_title="Cost (US dollars)", as_percent=False, digits=4,
        extra_columns=["Calls", "Failed calls", "Tokens"],
        extra=[[number(r.calls), number(r.failed_calls), number(r.tokens_total)] for r in report.rows],
        empty="No AI calls in this period.")
