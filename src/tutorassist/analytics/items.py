"""Reading the refreshed question-quality statistics: the item list, difficulty calibration, wrong answer notes.

Every read runs as staff through row-level security and touches only the refreshed tables and the workspace's
questions (never its attempts)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from tutorassist.analytics import quality_schemas as s
from tutorassist.analytics.freshness import Freshness
from tutorassist.analytics.item_refresh import MIN_SAMPLE
from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.pagination import decode_cursor, encode_cursor
from tutorassist.kit.problems import invalid_field

# Each sort: the SQL of its key (withheld statistics sort as unknown, last) and whether it runs descending.
# Keys are never NULL, so a keyset cursor (key, question id) is exact.
_SORTS: dict[str, tuple[str, bool]] = {
    "question": ("0::float8", False),
    "flag_rate": ("coalesce(st.flag_rate, -1)", True),
    "facility": ("CASE WHEN st.students >= :min_n THEN st.facility ELSE 2 END", False),
    "discrimination": ("CASE WHEN st.students >= :min_n THEN coalesce(st.discrimination_index, 1000) ELSE 1000 END",
                       False),
    "students": ("coalesce(st.students, 0)::float8", True),
}

_ITEMS = """
SELECT q.id AS question_id, q.topic_id, q.status, q.origin, q.difficulty, left(q.prompt_text, 200) AS prompt_text,
       coalesce(st.students, 0) AS students, st.facility, st.score_sd, st.discrimination_index,
       st.discriminative_efficiency, coalesce(st.rest_students, 0) AS rest_students, st.dubious,
       st.mean_time_seconds, coalesce(st.attempts, 0) AS attempts,
       coalesce(st.students_attempted, 0) AS students_attempted, coalesce(st.flags, 0) AS flags,
       coalesce(st.open_flags, 0) AS open_flags, st.flag_rate, {key} AS sort_key
FROM questions q
LEFT JOIN question_item_statistics st ON st.workspace_id = q.workspace_id AND st.question_id = q.id
WHERE q.workspace_id = :w
  AND (CAST(:topic AS uuid) IS NULL OR q.topic_id = :topic)
  AND (CAST(:status AS text) IS NULL OR q.status = :status)
  AND (CAST(:dubious AS boolean) IS NULL OR coalesce(st.dubious AND st.students >= :min_n, false) = :dubious)
  AND coalesce(st.students, 0) >= :min_students
  {after}
ORDER BY sort_key {direction}, q.id {direction}
LIMIT :n
"""


def freshness(tx: Tx) -> Freshness:
    """As of the workspace's last refresh; never refreshed: as of its creation (nothing was left out before it)."""
    at = tx.scalar("SELECT coalesce((SELECT data_as_of FROM item_statistics_refreshes WHERE workspace_id = :w), "
                   "(SELECT created_at FROM workspaces WHERE id = :w))", w=tx.workspace_id)
    return Freshness(as_of=at, source="refreshed")


def withheld(students: int) -> str | None:
    if students >= MIN_SAMPLE:
        return None
    return f"fewer than {MIN_SAMPLE} students answered it (n = {students})"


def _item(row: Any) -> s.ItemStatisticsOut:
    r = dict(row)
    r.pop("sort_key")
    reason = withheld(r["students"])
    if reason:
        r |= {"facility": None, "score_sd": None, "discrimination_index": None, "discriminative_efficiency": None,
              "dubious": None}
    return s.ItemStatisticsOut(**r, withheld_reason=reason)


def _cursor(cursor: str | None) -> tuple[float, UUID] | None:
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        return float(values[0]), UUID(values[1])
    except (TypeError, ValueError, AttributeError):
        raise invalid_field("cursor", "not a cursor this API issued") from None


def list_items(ctx: RequestContext, ws: UUID, *, topic_id: UUID | None, status: str | None, dubious: bool | None,
               min_students: int, sort: str, limit: int, cursor: str | None) -> s.ItemStatisticsPage:
    key, descending = _SORTS[sort]
    after = _cursor(cursor)
    direction = "DESC" if descending else "ASC"
    where_after = f"AND ({key}, q.id) {'<' if descending else '>'} (:after_key, :after_id)" if after else ""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = tx.all(_ITEMS.format(key=key, after=where_after, direction=direction), w=ws, topic=topic_id,
                      status=status, dubious=dubious, min_n=MIN_SAMPLE, min_students=min_students, n=limit + 1,
                      after_key=after[0] if after else None, after_id=after[1] if after else None)
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor([rows[-1]["sort_key"], str(rows[-1]["question_id"])]) if more else None
        return s.ItemStatisticsPage(items=[_item(r) for r in rows], next_cursor=next_cursor, min_sample=MIN_SAMPLE,
                                    freshness=freshness(tx))


_CALIBRATION = """
SELECT d.difficulty, count(q.id) AS questions,
       count(*) FILTER (WHERE st.students >= :min_n) AS sampled_questions,
       coalesce(sum(st.students), 0) AS students,
       sum(st.facility * st.students) / nullif(sum(st.students) FILTER (WHERE st.facility IS NOT NULL), 0) AS facility
FROM generate_series(1, 5) d(difficulty)
LEFT JOIN questions q ON q.workspace_id = :w AND q.difficulty = d.difficulty
  AND (CAST(:topic AS uuid) IS NULL OR q.topic_id = :topic) AND (CAST(:status AS text) IS NULL OR q.status = :status)
LEFT JOIN question_item_statistics st ON st.workspace_id = q.workspace_id AND st.question_id = q.id
GROUP BY d.difficulty ORDER BY d.difficulty
"""


def calibration(ctx: RequestContext, ws: UUID, *, topic_id: UUID | None, status: str | None) -> s.CalibrationOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        levels = []
        for r in tx.all(_CALIBRATION, w=ws, topic=topic_id, status=status, min_n=MIN_SAMPLE):
            reason = withheld(r["students"])
            levels.append(s.CalibrationLevel(**{**r, "facility": None if reason else r["facility"]},
                                             withheld_reason=reason))
        return s.CalibrationOut(levels=levels, min_sample=MIN_SAMPLE, freshness=freshness(tx))


_NOTES = """
SELECT n.topic_id, t.name AS topic_name, n.note_code, n.attempts, n.students, n.last_seen
FROM topic_wrong_answer_notes n JOIN topics t ON t.workspace_id = n.workspace_id AND t.id = n.topic_id
WHERE n.workspace_id = :w AND (CAST(:topic AS uuid) IS NULL OR n.topic_id = :topic)
ORDER BY n.attempts DESC, n.students DESC, n.topic_id, n.note_code
LIMIT :n
"""


def wrong_answer_notes(ctx: RequestContext, ws: UUID, *, topic_id: UUID | None, limit: int) -> s.WrongAnswerNotesOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = tx.all(_NOTES, w=ws, topic=topic_id, n=limit)
        return s.WrongAnswerNotesOut(items=[s.WrongAnswerNoteOut(**r) for r in rows], freshness=freshness(tx))
