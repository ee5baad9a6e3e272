"""Fill a demo workspace through the same services the API uses, so the demo is what a tutor would have built."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tutorassist.api.context import RequestContext
from tutorassist.assignments import schemas as assignment_schemas
from tutorassist.assignments import service as assignments
from tutorassist.db.connection import acting, app_engine
from tutorassist.demo.content import QUESTIONS, TOPICS
from tutorassist.identity import schemas as identity_schemas
from tutorassist.identity import service as identity
from tutorassist.questions import schemas as question_schemas
from tutorassist.questions import service as questions
from tutorassist.questions.topics import schemas as topic_schemas
from tutorassist.questions.topics import service as topics

PASSWORD = "tutorassist-demo"
TUTOR_EMAIL = "tutor@example.com"
STUDENTS = [("Ava Patel", "ava@example.com", True), ("Ben Okafor", "ben@example.com", True),
            ("Cleo Martin", "cleo@example.com", False)]


@dataclass
class DemoReport:
    created: bool
    workspace_id: UUID | None = None
    accounts: list[tuple[str, str]] = field(default_factory=list)
    pending_invite: str | None = None  # the invite token of the student who has not signed up
    questions: int = 0
    attempts: int = 0


def _context(engine, token: str | None = None) -> RequestContext:
    return RequestContext(engine=engine, token=token, ip=None, user_agent="tutorassist demo")


def build(database_url: str) -> DemoReport:
    """Create the demo workspace, or report that it exists (the tutor's email is taken)."""
    engine = app_engine(database_url)
    try:
        return _build(engine)
    finally:
        engine.dispose()


def _build(engine) -> DemoReport:
    accounts = [(TUTOR_EMAIL, PASSWORD)] + [(email, PASSWORD) for _, email, signs_up in STUDENTS if signs_up]
    try:
        tutor = identity.sign_up(_context(engine), identity_schemas.SignUp(
            email=TUTOR_EMAIL, password=PASSWORD, display_name="Dana Demo (tutor)"))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "TA409":
            return DemoReport(created=False, accounts=accounts)
        raise
    as_tutor = _context(engine, tutor.token)
    ws = identity.create_workspace(as_tutor, identity_schemas.WorkspaceCreate(name="Dana's Maths Tutoring",
                                                                              timezone="Europe/London")).id
    report = DemoReport(created=True, workspace_id=ws, accounts=accounts)

    student_users: dict[UUID, UUID] = {}
    for name, email, signs_up in STUDENTS:
        profile = identity.create_student(as_tutor, ws, identity_schemas.StudentCreate(
            name=name, email=email, academic_year=2026, cohort_name="Year 10"))
        invite = identity.issue_invite(as_tutor, ws, profile.id, identity_schemas.InviteCreate())
        if signs_up:
            session = identity.sign_up(_context(engine), identity_schemas.SignUp(
                email=email, password=PASSWORD, display_name=name, invite_token=invite.token))
            student_users[profile.id] = session.user_id
        else:
            report.pending_invite = invite.token

    topic_ids: dict[tuple[str, ...], UUID] = {}
    for path in TOPICS:
        created = topics.create_topic(as_tutor, ws, topic_schemas.TopicCreate(
            name=path[-1], parent_id=topic_ids.get(path[:-1]), metadata={"mastery_threshold": 0.8}))
        topic_ids[path] = created.id

    question_ids: list[UUID] = []
    for item in QUESTIONS:
        created = questions.create_question(as_tutor, ws, question_schemas.QuestionCreate(
            prompt_latex=item["prompt_latex"], answer_type=item["answer_type"], answer_spec=item["answer_spec"],
            hints=item["hints"], solution_latex=item["solution_latex"], difficulty=item["difficulty"],
            tags=item["tags"], topic_id=topic_ids[item["topic"]], status="active"))
        question_ids.append(created.id)
    report.questions = len(question_ids)

    homework = assignments.create_assignments(as_tutor, ws, assignment_schemas.AssignmentCreate(
        title="Linear equations and fractions", description="Show your working on paper; type the final answer.",
        student_profile_ids=list(student_users), question_ids=question_ids[:5] + question_ids[9:14],
        due_at=datetime.now(timezone.utc) + timedelta(days=7), settings={"show_hints": True}))

    # Attempts as the students would make them (answer checking arrives with the learning loop; here the
    # verdicts are chosen so the analytics have something to show).
    rng = random.Random(2026)
    for assignment in homework:
        student = student_users[assignment["student_profile_id"]]
        with acting(engine, student, ws) as conn:
            for position, item in enumerate(assignment["items"][:7]):
                correct = rng.random() < 0.7
                conn.execute(text(
                    "INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, "
                    "is_correct, score, time_spent_seconds, hints_viewed, submitted_at, context_json) "
                    "VALUES (:w, :s, :q, :a, :raw, :ok, :score, :t, :h, now() - make_interval(hours => :ago), "
                    "CAST(:ctx AS jsonb))"),
                    {"w": ws, "s": student, "q": item["question_id"], "a": assignment["id"],
                     "raw": "see working" if correct else "?", "ok": correct, "score": 1 if correct else 0,
                     "t": rng.randint(20, 240), "h": 0 if correct else 1, "ago": 48 - position * 3,
                     "ctx": '{"device_type": "desktop", "input_method": "keyboard"}'})
                report.attempts += 1
    return report
