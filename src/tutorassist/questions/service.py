"""Questions: create, read, edit (with explicit status rules), delete drafts, and the history the database keeps.

Rules:

* Staff (owner, tutor) do everything. Students and guardians read active questions only, in the student view (no
  answer_spec, solution or hints; multiple-choice questions show their choices without the answer); a draft or
  archived question is 404 for them, and so is one hidden by flags (`hidden_at` set, migration 0009) until staff
  un-hide it (PATCH hidden=false). Only staff write (403).
* `answer_spec` is validated by the AnswerSpec model of `answer_type`; its `type` must equal `answer_type` (422
  naming `answer_spec.type`), and the answer checker must grade its own correct answer (spec_check.py: 422 naming
  `answer_spec.value`, `answer_spec.elements.N`, ...). Messages are words, never a pattern's regular expression. It
  is stored as the contract dumps it (no explicit nulls, defaults written out). `prompt_text` is derived from
  `prompt_latex` (questions/latex.py).
* `topic_id` must be a topic of the same workspace (422 naming `topic_id`); `program_ids` / `grade_level_ids` must be
  existing global ids (422 naming `program_ids.N` / `grade_level_ids.N`); on PATCH they replace the whole set.
* Status moves: draft→active, draft→archived, active→archived, archived→active; anything else is 409. The origin is
  set at creation (manual or imported through the API; ai_generated only by the AI pipeline) and never changes.
* Delete: only a draft that was never attempted and is in no assignment; otherwise 409, archive it instead.
* Every content edit is one UPDATE, so the database bumps `version` once and writes one question_history entry.
"""

from __future__ import annotations

import json
import math
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.jsonb import dump_jsonb
from tutorassist.kit.problems import Problem, invalid
from tutorassist.questions import schemas, spec_check
from tutorassist.questions.contracts import ANSWER_SPEC_MODELS, ANSWER_TYPES
from tutorassist.questions.latex import latex_to_text

TRANSITIONS = {("draft", "active"), ("draft", "archived"), ("active", "archived"), ("archived", "active")}
MAX_ANSWER_SPEC_CHARS = 100_000
MAX_CURRICULUM_CHARS = 20_000
MAX_JSON_DEPTH = 20

_CONTENT = """q.id, q.topic_id, q.prompt_latex, q.prompt_text, q.answer_type, q.answer_spec, q.hints_json AS hints,
  q.solution_latex, q.difficulty, q.tags_json AS tags, q.curriculum_json AS curriculum, q.status, q.origin,
  ARRAY(SELECT p.program_id FROM question_programs p WHERE p.workspace_id = q.workspace_id AND p.question_id = q.id
        ORDER BY p.program_id) AS program_ids,
  ARRAY(SELECT g.grade_level_id FROM question_grade_levels g WHERE g.workspace_id = q.workspace_id
        AND g.question_id = q.id ORDER BY g.grade_level_id) AS grade_level_ids,
  q.quality_score, q.version,
"""
_COUNTERS = """  coalesce((SELECT sum(s.times_attempted) FROM question_stats s WHERE s.workspace_id = q.workspace_id
            AND s.question_id = q.id), 0)::integer AS times_attempted,
  coalesce((SELECT sum(s.times_correct) FROM question_stats s WHERE s.workspace_id = q.workspace_id
            AND s.question_id = q.id), 0)::integer AS times_correct,
  (SELECT CASE WHEN sum(s.times_timed) > 0 THEN round(sum(s.time_spent_total_seconds)::numeric / sum(s.times_timed), 2) END
   FROM question_stats s WHERE s.workspace_id = q.workspace_id AND s.question_id = q.id) AS avg_time_seconds,
"""
# Students and guardians read no counters (not granted question_stats); their view drops them anyway.
_NO_COUNTERS = "  0 AS times_attempted, 0 AS times_correct, NULL::numeric AS avg_time_seconds,\n"
_AUDIT = "  q.created_by, q.updated_by, q.created_at, q.updated_at, q.hidden_at"
COLUMNS = _CONTENT + _COUNTERS + _AUDIT
_LEARNER_COLUMNS = _CONTENT + _NO_COUNTERS + _AUDIT


def columns(tx: Tx) -> str:
    """The question columns the caller's role may read."""
    return COLUMNS if tx.role in STAFF else _LEARNER_COLUMNS


Errors = list[dict[str, str]]


def _field(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# ---------------------------------------------------------------- shaping
def staff_view(row: Any) -> schemas.QuestionOut:
    return schemas.QuestionOut(**row)


def student_view(row: Any) -> schemas.QuestionStudentOut:
    spec = row["answer_spec"] or {}
    multiple = row["answer_type"] == "multiple_choice"
    return schemas.QuestionStudentOut(
        id=row["id"], topic_id=row["topic_id"], prompt_latex=row["prompt_latex"], answer_type=row["answer_type"],
        choices=[{"id": c["id"], "latex": c["latex"]} for c in spec.get("choices", [])] if multiple else None,
        allow_multiple=bool(spec.get("allow_multiple", False)) if multiple else None,
        difficulty=row["difficulty"], tags=row["tags"], program_ids=row["program_ids"],
        grade_level_ids=row["grade_level_ids"], version=row["version"], updated_at=row["updated_at"],
    )


def view(tx: Tx, row: Any) -> schemas.QuestionOut | schemas.QuestionStudentOut:
    return staff_view(row) if tx.role in STAFF else student_view(row)


# ---------------------------------------------------------------- validation shared with import
def json_errors(value: Any, field: str, max_chars: int) -> Errors:
    """NUL characters, non-finite numbers, nesting and size of a JSON value, as errors naming the exact path."""
    errors: Errors = []
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack and len(errors) < 20:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            errors.append({"field": path, "message": f"nested deeper than {MAX_JSON_DEPTH} levels"})
        elif isinstance(item, str):
            if "\x00" in item:
                errors.append({"field": path, "message": "must not contain NUL characters"})
        elif isinstance(item, float):
            if not math.isfinite(item):
                errors.append({"field": path, "message": "must be a finite number"})
        elif isinstance(item, dict):
            for key, child in item.items():
                if "\x00" in str(key):
                    errors.append({"field": path, "message": "keys must not contain NUL characters"})
                else:
                    stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}", depth + 1) for i, child in enumerate(item))
    if not errors and len(json.dumps(value)) > max_chars:
        errors.append({"field": field, "message": f"at most {max_chars} characters of JSON"})
    return errors


def answer_spec_errors(answer_type: str, spec: Any, field: str = "answer_spec") -> Errors:
    """The spec against the AnswerSpec model of answer_type; errors name paths without the union tag."""
    if not isinstance(spec, dict):
        return [{"field": field, "message": "must be an object"}]
    errors = json_errors(spec, field, MAX_ANSWER_SPEC_CHARS)
    if errors:
        return errors
    if spec.get("type") != answer_type:
        return [{"field": f"{field}.type", "message": f"must equal answer_type ({answer_type!r})"}]
    try:
        stored = stored_answer_spec(answer_type, spec)
    except ValidationError as exc:
        return [{"field": ".".join([field, *(str(p) for p in e["loc"])]), "message": _plain(answer_type, e)}
                for e in exc.errors()]
    return spec_check.checker_errors(stored, field)


# What a pattern means, said without the regular expression (keyed by answer type and the field's last name).
_PATTERN_MESSAGES = {
    ("number", "value"): "must be a decimal number such as 2.50, -0.125 or 6.02e23 (exact fractions: use expression)",
    ("equation", "value"): "an equation must contain =",
    ("interval", "value"): "must be interval notation that starts with ( or [ and ends with ) or ], e.g. [1, 3)",
    ("multiple_choice", "id"): "a choice id is 1 to 32 letters, digits, _ or -",
}
_VARIABLE_MESSAGE = "a variable is a letter followed by letters, digits or _, optionally after a backslash (\\theta)"


def _plain(answer_type: str, error: Any) -> str:
    if error["type"] != "string_pattern_mismatch":
        return error["msg"]
    names = [p for p in error["loc"] if isinstance(p, str)]
    if "variables" in names:
        return _VARIABLE_MESSAGE
    return _PATTERN_MESSAGES.get((answer_type, names[-1] if names else ""), "is not in the expected format")


def stored_answer_spec(answer_type: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as the AnswerSpec model of answer_type dumps it (what is stored); raises pydantic.ValidationError."""
    return dump_jsonb(ANSWER_SPEC_MODELS[ANSWER_TYPES.index(answer_type)].model_validate(spec))


def content_errors(values: dict[str, Any], prefix: str = "") -> Errors:
    """answer_spec (against answer_type) and curriculum of a create, an update's merged values or an import item."""
    errors: Errors = []
    if "answer_spec" in values:
        errors += answer_spec_errors(values["answer_type"], values["answer_spec"], _field(prefix, "answer_spec"))
    if values.get("curriculum") is not None:
        errors += json_errors(values["curriculum"], _field(prefix, "curriculum"), MAX_CURRICULUM_CHARS)
    return errors


def known_ids(tx: Tx, table: str, ids: set[UUID]) -> set[UUID]:
    if not ids:
        return set()
    return {r["id"] for r in tx.all(f"SELECT id FROM {table} WHERE id = ANY(:ids)", ids=list(ids))}


def reference_errors(tx: Tx, program_ids: list[UUID] | None, grade_level_ids: list[UUID] | None,
                     prefix: str = "", *, programs: set[UUID] | None = None, grades: set[UUID] | None = None) -> Errors:
    """Unknown study program / grade level ids, each named by position (pass known sets to avoid a query)."""
    errors: Errors = []
    for name, table, ids, known in (("program_ids", "study_programs", program_ids, programs),
                                    ("grade_level_ids", "grade_levels", grade_level_ids, grades)):
        if not ids:
            continue
        found = known if known is not None else known_ids(tx, table, set(ids))
        errors += [{"field": _field(prefix, f"{name}.{i}"), "message": f"no such {table[:-1].replace('_', ' ')}"}
                   for i, value in enumerate(ids) if value not in found]
    return errors


def topic_errors(tx: Tx, topic_id: UUID | None) -> Errors:
    if topic_id is None:
        return []
    if tx.scalar("SELECT 1 FROM topics WHERE workspace_id = :w AND id = :t", w=tx.workspace_id, t=topic_id) is None:
        return [{"field": "topic_id", "message": "no such topic in this workspace"}]
    return []


def link(tx: Tx, question_id: UUID, program_ids: list[UUID] | None, grade_level_ids: list[UUID] | None) -> None:
    """Make the question's program and grade links exactly the given sets (None leaves a set alone)."""
    for table, column, ids in (("question_programs", "program_id", program_ids),
                               ("question_grade_levels", "grade_level_id", grade_level_ids)):
        if ids is None:
            continue
        tx.conn.execute(text(f"DELETE FROM {table} WHERE workspace_id = :w AND question_id = :q "
                             f"AND NOT ({column} = ANY(:ids))"), {"w": tx.workspace_id, "q": question_id, "ids": ids})
        if ids:
            tx.conn.execute(text(f"INSERT INTO {table} (workspace_id, question_id, {column}) "
                                 f"SELECT :w, :q, unnest(CAST(:ids AS uuid[])) ON CONFLICT DO NOTHING"),
                            {"w": tx.workspace_id, "q": question_id, "ids": ids})


# ---------------------------------------------------------------- reading
def load(tx: Tx, question_id: UUID, *, lock: bool = False) -> Any:
    """The question as the caller may see it: 404 for other workspaces' and, for non-staff, non-active questions."""
    if lock:
        tx.conn.execute(text("SELECT 1 FROM questions WHERE workspace_id = :w AND id = :q FOR UPDATE"),
                        {"w": tx.workspace_id, "q": question_id})
    row = tx.one(f"SELECT {columns(tx)} FROM questions q WHERE q.workspace_id = :w AND q.id = :q",
                 w=tx.workspace_id, q=question_id)
    if row is None or (tx.role not in STAFF and (row["status"] != "active" or row["hidden_at"] is not None)):
        raise Problem(404, "Not found", "no such question")
    return row


def get_question(ctx: RequestContext, ws: UUID, question_id: UUID):
    with ctx.tx(ws) as tx:
        return view(tx, load(tx, question_id))


def history(ctx: RequestContext, ws: UUID, question_id: UUID) -> list[schemas.HistoryOut]:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        load(tx, question_id)
        rows = tx.all("SELECT id, question_version, change_type, changed_by, changed_at, old_values, new_values "
                      "FROM question_history WHERE workspace_id = :w AND question_id = :q "
                      "ORDER BY changed_at DESC, id DESC", w=ws, q=question_id)
        return [schemas.HistoryOut(**r) for r in rows]


# ---------------------------------------------------------------- writing
def create_question(ctx: RequestContext, ws: UUID, body: schemas.QuestionCreate) -> schemas.QuestionOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        values = body.model_dump()
        errors = content_errors(values) + topic_errors(tx, body.topic_id)
        errors += reference_errors(tx, body.program_ids, body.grade_level_ids)
        if errors:
            raise invalid(errors)
        question_id = tx.scalar(
            "INSERT INTO questions (workspace_id, topic_id, prompt_latex, prompt_text, answer_type, answer_spec, "
            "hints_json, solution_latex, difficulty, tags_json, curriculum_json, status, origin, created_by, updated_by) "
            "VALUES (:w, :topic, :latex, :text, :type, CAST(:spec AS jsonb), CAST(:hints AS jsonb), :solution, "
            ":difficulty, CAST(:tags AS jsonb), CAST(:curriculum AS jsonb), :status, :origin, :u, :u) RETURNING id",
            w=ws, topic=body.topic_id, latex=body.prompt_latex, text=latex_to_text(body.prompt_latex),
            type=body.answer_type, spec=json.dumps(stored_answer_spec(body.answer_type, body.answer_spec)),
            hints=json.dumps(body.hints), solution=body.solution_latex, difficulty=body.difficulty, tags=json.dumps(body.tags),
            curriculum=json.dumps(body.curriculum), status=body.status, origin=body.origin, u=tx.user_id)
        link(tx, question_id, body.program_ids, body.grade_level_ids)
        return staff_view(load(tx, question_id))


_NOT_NULL = ("prompt_latex", "answer_type", "answer_spec", "hints", "difficulty", "tags", "program_ids",
             "grade_level_ids", "curriculum", "status", "hidden")
_COLUMN = {"hints": "hints_json", "tags": "tags_json", "curriculum": "curriculum_json"}
_JSONB = {"answer_spec", "hints", "tags", "curriculum"}


def update_question(ctx: RequestContext, ws: UUID, question_id: UUID, body: schemas.QuestionUpdate) -> schemas.QuestionOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        current = load(tx, question_id, lock=True)
        changes = body.model_dump(exclude_unset=True)
        errors = [{"field": name, "message": "may not be null"} for name in _NOT_NULL if name in changes
                  and changes[name] is None]
        if errors:
            raise invalid(errors)
        if "answer_type" in changes or "answer_spec" in changes:
            merged = {"answer_type": changes.get("answer_type", current["answer_type"]),
                      "answer_spec": changes.get("answer_spec", current["answer_spec"])}
            errors += content_errors(merged)
        errors += content_errors({"curriculum": changes.get("curriculum")})
        if "topic_id" in changes:
            errors += topic_errors(tx, changes["topic_id"])
        errors += reference_errors(tx, changes.get("program_ids"), changes.get("grade_level_ids"))
        if errors:
            raise invalid(errors)
        new_status = changes.get("status", current["status"])
        if new_status != current["status"] and (current["status"], new_status) not in TRANSITIONS:
            allowed = sorted(to for frm, to in TRANSITIONS if frm == current["status"])
            raise Problem(409, "Conflict",
                          f"a question cannot go from {current['status']} to {new_status}; from {current['status']} "
                          f"it can go to {' or '.join(allowed)}", current_status=current["status"])
        program_ids, grade_level_ids = changes.pop("program_ids", None), changes.pop("grade_level_ids", None)
        hidden = changes.pop("hidden", None)
        if hidden is not None:  # moderation, not a content edit: no version bump, no history entry (0009)
            tx.conn.execute(text("UPDATE questions SET hidden_at = CASE WHEN :h THEN coalesce(hidden_at, now()) END "
                                 "WHERE workspace_id = :w AND id = :q"), {"h": hidden, "w": ws, "q": question_id})
        if "prompt_latex" in changes:
            changes["prompt_text"] = latex_to_text(changes["prompt_latex"])
        if changes:
            assignments, params = [], {"w": ws, "q": question_id}
            for name, value in changes.items():
                column = _COLUMN.get(name, name)
                if name in _JSONB:
                    assignments.append(f"{column} = CAST(:{name} AS jsonb)")
                    if name == "answer_spec":
                        value = stored_answer_spec(changes.get("answer_type", current["answer_type"]), value)
                    params[name] = json.dumps(value)
                else:
                    assignments.append(f"{column} = :{name}")
                    params[name] = value
            # One statement: one version bump and one history entry for the whole edit.
            tx.conn.execute(text(f"UPDATE questions SET {', '.join(assignments)} WHERE workspace_id = :w AND id = :q"),
                            params)
        link(tx, question_id, program_ids, grade_level_ids)
        return staff_view(load(tx, question_id))


def delete_question(ctx: RequestContext, ws: UUID, question_id: UUID) -> None:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        row = load(tx, question_id, lock=True)
        if row["status"] != "draft":
            raise Problem(409, "Conflict", f"only drafts can be deleted; this question is {row['status']}: archive it "
                                           "instead (PATCH status=archived)")
        if tx.scalar("SELECT EXISTS (SELECT 1 FROM attempts WHERE workspace_id = :w AND question_id = :q)",
                     w=ws, q=question_id):
            raise Problem(409, "Conflict", "this question has been attempted; archive it instead (PATCH status=archived)")
        if tx.scalar("SELECT EXISTS (SELECT 1 FROM assignment_items WHERE workspace_id = :w AND question_id = :q)",
                     w=ws, q=question_id):
            raise Problem(409, "Conflict", "this question is used in an assignment; archive it instead "
                                           "(PATCH status=archived)")
        tx.conn.execute(text("DELETE FROM questions WHERE workspace_id = :w AND id = :q"), {"w": ws, "q": question_id})
