"""Creating rows as the schema owner, for tests that then look at them through the application role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg

from tutorassist.operations.retention import ATTEMPT_COLUMNS


@dataclass
class Tenant:
    workspace_id: uuid.UUID
    tutor_id: uuid.UUID
    student_id: uuid.UUID
    student_profile_id: uuid.UUID
    topic_id: uuid.UUID
    question_id: uuid.UUID
    assignment_id: uuid.UUID


def user(conn: psycopg.Connection, name: str = "User") -> uuid.UUID:
    email = f"{name.lower().replace(' ', '.')}.{uuid.uuid4().hex[:8]}@example.test"
    return conn.execute(
        "INSERT INTO users (email, display_name) VALUES (%s, %s) RETURNING id", (email, name)
    ).fetchone()[0]


def workspace(conn: psycopg.Connection, owner_id: uuid.UUID, name: str = "Practice") -> uuid.UUID:
    ws = conn.execute(
        "INSERT INTO workspaces (name, owner_user_id) VALUES (%s, %s) RETURNING id", (name, owner_id)
    ).fetchone()[0]
    conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (%s, %s, 'owner')", (ws, owner_id))
    return ws


def member(conn: psycopg.Connection, ws: uuid.UUID, user_id: uuid.UUID, role: str = "student") -> None:
    conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (%s, %s, %s)", (ws, user_id, role))


def student(conn: psycopg.Connection, ws: uuid.UUID, name: str = "Student") -> uuid.UUID:
    """A signed-up student of the workspace: user, membership and linked profile (as accepting an invite makes)."""
    user_id = user(conn, name)
    member(conn, ws, user_id, "student")
    conn.execute("INSERT INTO student_profiles (workspace_id, user_id, name) VALUES (%s, %s, %s)", (ws, user_id, name))
    return user_id


def question(conn: psycopg.Connection, ws: uuid.UUID, topic_id: uuid.UUID | None = None, **fields) -> uuid.UUID:
    values = {
        "workspace_id": ws, "topic_id": topic_id, "prompt_latex": "Solve $x + 1 = 3$", "prompt_text": "Solve x + 1 = 3",
        "answer_type": "number", "answer_spec": '{"type": "number", "value": "2"}', "status": "active",
    } | fields
    cols = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    return conn.execute(f"INSERT INTO questions ({cols}) VALUES ({marks}) RETURNING id", list(values.values())).fetchone()[0]


def tenant(conn: psycopg.Connection, label: str = "A", items: int = 1) -> Tenant:
    """A workspace with a tutor, a signed-up student, a topic, questions and an assignment of `items` questions."""
    tutor = user(conn, f"Tutor {label}")
    ws = workspace(conn, tutor, f"Practice {label}")
    student = user(conn, f"Student {label}")
    member(conn, ws, student, "student")
    profile = conn.execute(
        "INSERT INTO student_profiles (workspace_id, user_id, name) VALUES (%s, %s, %s) RETURNING id",
        (ws, student, f"Student {label}"),
    ).fetchone()[0]
    topic = conn.execute(
        "INSERT INTO topics (workspace_id, name) VALUES (%s, 'Algebra') RETURNING id", (ws,)
    ).fetchone()[0]
    questions = [question(conn, ws, topic) for _ in range(items)]
    assignment = conn.execute(
        "INSERT INTO assignments (workspace_id, student_profile_id, title, created_by) VALUES (%s, %s, 'Homework', %s) RETURNING id",
        (ws, profile, tutor),
    ).fetchone()[0]
    for position, q in enumerate(questions):
        conn.execute(
            "INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) VALUES (%s, %s, %s, %s)",
            (ws, assignment, q, position),
        )
    return Tenant(ws, tutor, student, profile, topic, questions[0], assignment)


def every_tenant_table(conn: psycopg.Connection, label: str) -> Tenant:
    """A tenant with at least one row in every tenant table, for isolation tests."""
    t = tenant(conn, label)
    ws = t.workspace_id
    x = conn.execute
    x("INSERT INTO topics (workspace_id, parent_id, name) VALUES (%s, %s, 'Linear equations')", (ws, t.topic_id))
    x("INSERT INTO workspace_members (workspace_id, user_id, role, student_profile_id) VALUES (%s, %s, 'guardian', %s)",
      (ws, user(conn, f"Guardian {label}"), t.student_profile_id))
    program = x("INSERT INTO study_programs (code, name) VALUES (%s, 'Program') RETURNING id", (f"P{label}{uuid.uuid4().hex[:6]}",)).fetchone()[0]
    grade = x("INSERT INTO grade_levels (program_id, code, name) VALUES (%s, 'Y10', 'Year 10') RETURNING id", (program,)).fetchone()[0]
    x("INSERT INTO invite_tokens (workspace_id, student_profile_id, email, token_hash, expires_at, created_by) "
      "VALUES (%s, %s, 'invitee@example.test', %s, now() + interval '7 days', %s)", (ws, t.student_profile_id, uuid.uuid4().hex * 2, t.tutor_id))
    job = x("INSERT INTO jobs (workspace_id, type) VALUES (%s, 'GENERATE_QUESTIONS_BATCH') RETURNING id", (ws,)).fetchone()[0]
    material = x("INSERT INTO source_materials (workspace_id, topic_id, title, kind, content_text) VALUES (%s, %s, 'Notes', 'text', 'x') RETURNING id",
                 (ws, t.topic_id)).fetchone()[0]
    batch = x("INSERT INTO question_batches (workspace_id, job_id, total_requested) VALUES (%s, %s, 5) RETURNING id", (ws, job)).fetchone()[0]
    question(conn, ws, t.topic_id, origin="ai_generated", batch_id=batch, source_material_id=material)
    x("INSERT INTO question_programs (workspace_id, question_id, program_id) VALUES (%s, %s, %s)", (ws, t.question_id, program))
    x("INSERT INTO question_grade_levels (workspace_id, question_id, grade_level_id) VALUES (%s, %s, %s)", (ws, t.question_id, grade))
    x("INSERT INTO question_embeddings (workspace_id, question_id, embedding_model, text_hash, embedding) "
      "VALUES (%s, %s, 'all-MiniLM-L6-v2', %s, %s::extensions.vector)", (ws, t.question_id, "a" * 64, "[" + ",".join(["0.1"] * 384) + "]"))
    attempt = x("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score, time_spent_seconds) "
                "VALUES (%s, %s, %s, %s, '2', true, 1, 30) RETURNING id", (ws, t.student_id, t.question_id, t.assignment_id)).fetchone()[0]
    x("INSERT INTO spaced_repetition (workspace_id, student_user_id, question_id) VALUES (%s, %s, %s)", (ws, t.student_id, t.question_id))
    x("INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, fsrs_rating, card_after) "
      "VALUES (%s, %s, %s, %s, 'sm2', 4, 3, '{\"repetitions\": 1}')", (ws, t.student_id, t.question_id, attempt))
    x("INSERT INTO question_flags (workspace_id, question_id, flagged_by, attempt_id, reason, comment) VALUES (%s, %s, %s, %s, 'typo', 'x')",
      (ws, t.question_id, t.student_id, attempt))
    x("INSERT INTO tutor_feedback (workspace_id, attempt_id, tutor_user_id, body) VALUES (%s, %s, %s, 'Well done')", (ws, attempt, t.tutor_id))
    x("INSERT INTO sessions (workspace_id, tutor_user_id, student_profile_id, scheduled_start, scheduled_end) "
      "VALUES (%s, %s, %s, now(), now() + interval '1 hour')", (ws, t.tutor_id, t.student_profile_id))
    x("INSERT INTO oauth_connections (workspace_id, user_id, provider, access_token_encrypted) VALUES (%s, %s, 'google', '\\x00ff')",
      (ws, t.tutor_id))
    x("INSERT INTO pdf_exports (workspace_id, kind, assignment_id, student_profile_id) VALUES (%s, 'worksheet', %s, %s)",
      (ws, t.assignment_id, t.student_profile_id))
    x("INSERT INTO ai_usage_log (workspace_id, user_id, job_id, operation_type, model, tokens_input) VALUES (%s, %s, %s, 'generate_question', 'gpt-4o-mini', 10)",
      (ws, t.tutor_id, job))
    x("INSERT INTO student_progress_snapshots (workspace_id, student_user_id, snapshot_date) VALUES (%s, %s, current_date)", (ws, t.student_id))
    # Migration tests fill databases at revisions before retention (0018) and item statistics (0020) with this too.
    if conn.execute("SELECT to_regclass('public.attempts_archive')").fetchone()[0] is not None:
        retention_rows(conn, t)
    if conn.execute("SELECT to_regclass('public.question_item_statistics')").fetchone()[0] is not None:
        item_statistics_rows(conn, t)
    return t


def retention_rows(conn: psycopg.Connection, t: Tenant) -> None:
    """A row in each table the retention job writes: an archived attempt, an archived audit row, a month of AI usage."""
    ws, x = t.workspace_id, conn.execute
    archived_attempt(conn, ws, t.student_id, t.question_id)
    x("INSERT INTO audit_log_archive (workspace_id, id, action, entity_type, entity_id, after_json, transaction_id, occurred_at) "
      "VALUES (%s, 1, 'insert', 'topics', %s, '{}', 1, now() - interval '2 years')", (ws, str(t.topic_id)))
    x("INSERT INTO ai_usage_monthly (workspace_id, month, provider, model, operation_type, calls, failed_calls, tokens_input, "
      "tokens_output, tokens_total, cost_usd) VALUES (%s, date '2024-01-01', 'openai', 'gpt-4o-mini', 'generate_question', 1, 0, 10, 5, 15, 0.01)",
      (ws,))


def archived_attempt(conn: psycopg.Connection, ws: uuid.UUID, student_id: uuid.UUID, question_id: uuid.UUID) -> uuid.UUID:
    """An attempt in cold storage (attempts_archive), recorded and then moved the way the retention job moves one, so
    the counters it left behind still count it."""
    columns = ", ".join(ATTEMPT_COLUMNS)
    with conn.transaction():
        attempt_id = conn.execute(
            "INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, submitted_at, created_at) "
            "VALUES (%s, %s, %s, '2', now() - interval '3 years', now() - interval '3 years') RETURNING id",
            (ws, student_id, question_id)).fetchone()[0]
        conn.execute("SELECT set_config('tutorassist.archiving', 'on', true)")
        conn.execute(f"WITH moved AS (DELETE FROM attempts WHERE workspace_id = %s AND id = %s RETURNING {columns}) "
                     f"INSERT INTO attempts_archive ({columns}) SELECT {columns} FROM moved", (ws, attempt_id))
        conn.execute("SELECT set_config('tutorassist.archiving', 'off', true)")
    return attempt_id


def item_statistics_rows(conn: psycopg.Connection, t: Tenant) -> None:
    """Rows of the tables the REFRESH_ITEM_STATISTICS job writes (as the platform does, past row-level security)."""
    x = conn.execute
    x("INSERT INTO question_item_statistics (workspace_id, question_id, students, facility, rest_students, attempts, "
      "students_attempted, flags, open_flags, flag_rate, computed_at) VALUES (%s, %s, 1, 1, 0, 1, 1, 1, 1, 1, now())",
      (t.workspace_id, t.question_id))
    x("INSERT INTO topic_wrong_answer_notes (workspace_id, topic_id, note_code, attempts, students, last_seen) "
      "VALUES (%s, %s, 'sign_error', 1, 1, now())", (t.workspace_id, t.topic_id))
    x("INSERT INTO item_statistics_refreshes (workspace_id, data_as_of, refreshed_at, duration_ms, questions, notes) "
      "VALUES (%s, now(), now(), 0, 1, 1)", (t.workspace_id,))


# ---------------------------------------------------------------- members of every role, for role tests

@dataclass(frozen=True)
class Actor:
    """Someone acting in a workspace, and the student whose data is theirs to read (if any)."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID | None
    kind: str  # staff | student | guardian | outsider (sees and writes nothing)
    student_id: uuid.UUID | None = None
    profile_id: uuid.UUID | None = None


@dataclass
class Classroom:
    """Two workspaces for testing roles: the home one, with every kind of member, and another one."""

    home: uuid.UUID
    elsewhere: uuid.UUID
    actors: dict[str, Actor]
    student_b: Actor  # the other student of the home workspace, whose rows are nobody else's


def learner_rows(owner: psycopg.Connection, ws, student, profile, tutor, question, label: str) -> uuid.UUID:
    """An assignment and one row in every learner table for one student; returns their attempt."""
    x = owner.execute
    assignment = x("INSERT INTO assignments (workspace_id, student_profile_id, title, created_by) VALUES (%s, %s, %s, %s) RETURNING id",
                   (ws, profile, f"Homework {label}", tutor)).fetchone()[0]
    x("INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) VALUES (%s, %s, %s, 0)", (ws, assignment, question))
    attempt = x("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score) "
                "VALUES (%s, %s, %s, %s, '3', false, 0) RETURNING id", (ws, student, question, assignment)).fetchone()[0]
    x("INSERT INTO spaced_repetition (workspace_id, student_user_id, question_id) VALUES (%s, %s, %s)", (ws, student, question))
    x("INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, fsrs_rating, card_after) "
      "VALUES (%s, %s, %s, %s, 'sm2', 1, 1, '{\"repetitions\": 0}')", (ws, student, question, attempt))
    x("INSERT INTO question_flags (workspace_id, question_id, flagged_by, attempt_id, reason, comment) VALUES (%s, %s, %s, %s, 'unclear_wording', %s)",
      (ws, question, student, attempt, label))
    x("INSERT INTO tutor_feedback (workspace_id, attempt_id, tutor_user_id, body) VALUES (%s, %s, %s, %s)", (ws, attempt, tutor, f"For {label}"))
    x("INSERT INTO sessions (workspace_id, tutor_user_id, student_profile_id, scheduled_start, scheduled_end) "
      "VALUES (%s, %s, %s, now(), now() + interval '1 hour')", (ws, tutor, profile))
    x("INSERT INTO student_progress_snapshots (workspace_id, student_user_id, snapshot_date) VALUES (%s, %s, current_date)", (ws, student))
    archived_attempt(owner, ws, student, question)
    return attempt


def classroom(owner: psycopg.Connection) -> Classroom:
    """Home: owner, tutor, students A and B (rows of their own in every learner table), a guardian of A, a draft and a
    hidden question, private feedback, a flag raised by the guardian. Elsewhere: a full second workspace."""
    home, elsewhere = every_tenant_table(owner, "Home"), every_tenant_table(owner, "Elsewhere")
    ws = home.workspace_id
    x = owner.execute
    guardian = x("SELECT user_id FROM workspace_members WHERE workspace_id = %s AND role = 'guardian'", (ws,)).fetchone()[0]
    tutor = user(owner, "Second tutor")
    member(owner, ws, tutor, "tutor")
    student_b = user(owner, "Student B")
    member(owner, ws, student_b, "student")
    profile_b = x("INSERT INTO student_profiles (workspace_id, user_id, name, notes) VALUES (%s, %s, 'Student B', 'private') RETURNING id",
                  (ws, student_b)).fetchone()[0]
    x("UPDATE student_profiles SET notes = 'private note on A' WHERE workspace_id = %s AND id = %s", (ws, home.student_profile_id))
    learner_rows(owner, ws, student_b, profile_b, tutor, home.question_id, "B")
    attempt_a = x("SELECT id FROM attempts WHERE workspace_id = %s AND student_user_id = %s LIMIT 1", (ws, home.student_id)).fetchone()[0]
    x("INSERT INTO tutor_feedback (workspace_id, attempt_id, tutor_user_id, body, visible_to_student) VALUES (%s, %s, %s, 'Private', false)",
      (ws, attempt_a, tutor))
    x("INSERT INTO question_flags (workspace_id, question_id, flagged_by, reason) VALUES (%s, %s, %s, 'typo')", (ws, home.question_id, guardian))
    question(owner, ws, home.topic_id, status="draft")
    question(owner, ws, home.topic_id, hidden_at="2026-01-01T00:00:00Z")
    actors = {
        "owner": Actor(home.tutor_id, ws, "staff"),
        "tutor": Actor(tutor, ws, "staff"),
        "student": Actor(home.student_id, ws, "student", home.student_id, home.student_profile_id),
        "guardian": Actor(guardian, ws, "guardian", home.student_id, home.student_profile_id),
        # A student of another workspace, acting there (as a learner) and claiming the home workspace (as nobody).
        "outsider": Actor(elsewhere.student_id, elsewhere.workspace_id, "student", elsewhere.student_id, elsewhere.student_profile_id),
        "outsider_claiming_home": Actor(elsewhere.student_id, ws, "outsider"),
        # Student A outside any workspace (as requests that name none run): no workspace's rows at all.
        "student_in_no_workspace": Actor(home.student_id, None, "outsider"),
    }
    b = Actor(student_b, ws, "student", student_b, profile_b)
    return Classroom(ws, elsewhere.workspace_id, actors, b)
