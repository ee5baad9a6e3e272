"""Every workspace endpoint, fuzzed by a student and by a guardian of their own workspace, with path ids filled with
real objects that are not theirs to touch: another student's profile, attempt, assignment, flag and feedback, private
feedback on their own attempt, invites, a draft question, teaching material. Never a server error, never a change
(the whole workspace hashes the same afterwards), and no response carries another student's data or a staff secret."""

from __future__ import annotations

import time
import uuid

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.api.test_isolation_fuzz import fingerprint
from tutorassist.db.connection import connect

TIME_BUDGET_SECONDS = 60
EXAMPLES_PER_OPERATION = 8
REFUSALS = {403, 404, 405, 422}
# POSTs that only compute (nothing stored), so a success is no change.
READ_ONLY_POSTS = ("/answers/preview",)
# Text only staff may read, or only student B (and staff): seeing any of it is a leak.
SECRETS = ("NOTE-SECRET-A", "NOTE-SECRET-B", "PRIVATE-FEEDBACK-A", "FEEDBACK-FOR-B", "FLAG-BY-B", "DRAFT-SECRET",
           "Bertha Secretname", "MATERIAL-SECRET")


def invite(tutor, workspace_id, profile_id, role: str = "student", email: str | None = None) -> tuple[str, str]:
    email = email or f"{role}.{uuid.uuid4().hex[:6]}@example.com"
    body = {"role": role, "email": email} if role == "guardian" else {}
    response = tutor.http.post(f"/workspaces/{workspace_id}/students/{profile_id}/invites", json=body)
    assert response.status_code == 201, response.text
    return response.json()["token"], email


def build_classroom(db_url: str, practice, people) -> tuple[dict, dict[str, list[str]], set[str]]:
    """Student A (practice.student) with a guardian, student B with work of their own, and staff-only objects;
    returns the attackers, the real ids to aim at per path parameter, and the identifiers nobody but staff and B
    may see."""
    ws = practice.workspace_id
    tutor = practice.tutor
    token, email = invite(tutor, ws, practice.student_profile_id, "guardian")
    guardian = people("Guardian", invite_token=token, email=email)
    email_b = f"bertha.{uuid.uuid4().hex[:6]}@example.com"
    profile_b = tutor.http.post(f"/workspaces/{ws}/students", json={"name": "Bertha Secretname", "email": email_b}).json()["id"]
    token_b, _ = invite(tutor, ws, profile_b, email=email_b)
    student_b = people("Bertha", invite_token=token_b, email=email_b)
    with connect(db_url, autocommit=True) as owner:
        x = owner.execute
        topic = x("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Fractions') RETURNING id", (ws,)).fetchone()[0]
        active = factories.question(owner, ws, topic)
        draft = factories.question(owner, ws, topic, status="draft", prompt_text="DRAFT-SECRET", prompt_latex="DRAFT-SECRET")
        x("UPDATE student_profiles SET notes = CASE id WHEN %s THEN 'NOTE-SECRET-B' ELSE 'NOTE-SECRET-A' END WHERE workspace_id = %s",
          (profile_b, ws))
        ids: dict[str, list[str]] = {"workspace_id": [ws], "topic_id": [topic], "question_id": [draft]}
        for who, profile, user in (("A", practice.student_profile_id, practice.student.id), ("B", profile_b, student_b.id)):
            assignment = x("INSERT INTO assignments (workspace_id, student_profile_id, title, created_by) VALUES (%s, %s, %s, %s) RETURNING id",
                           (ws, profile, f"Homework {who}", tutor.id)).fetchone()[0]
            x("INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) VALUES (%s, %s, %s, 0)",
              (ws, assignment, active))
            attempt = x("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score) "
                        "VALUES (%s, %s, %s, %s, '2', true, 1) RETURNING id", (ws, user, active, assignment)).fetchone()[0]
            visible = who == "B"
            feedback = x("INSERT INTO tutor_feedback (workspace_id, attempt_id, tutor_user_id, body, visible_to_student) "
                         "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                         (ws, attempt, tutor.id, "FEEDBACK-FOR-B" if visible else "PRIVATE-FEEDBACK-A", visible)).fetchone()[0]
            if who == "B":
                flag = x("INSERT INTO question_flags (workspace_id, question_id, flagged_by, attempt_id, reason, comment) "
                         "VALUES (%s, %s, %s, %s, 'other', 'FLAG-BY-B') RETURNING id", (ws, active, user, attempt)).fetchone()[0]
                x("INSERT INTO spaced_repetition (workspace_id, student_user_id, question_id) VALUES (%s, %s, %s)", (ws, user, active))
                x("INSERT INTO sessions (workspace_id, tutor_user_id, student_profile_id, scheduled_start, scheduled_end) "
                  "VALUES (%s, %s, %s, now(), now() + interval '1 hour')", (ws, tutor.id, profile))
                ids |= {"attempt_id": [attempt], "flag_id": [flag]}
                b_objects = {profile_b, user, attempt, assignment, feedback, flag}
            ids.setdefault("assignment_id", []).append(assignment)
            ids.setdefault("feedback_id", []).append(feedback)
        material = x("INSERT INTO source_materials (workspace_id, title, kind, content_text) VALUES (%s, 'MATERIAL-SECRET', 'text', 'x') RETURNING id",
                     (ws,)).fetchone()[0]
        invites = [r[0] for r in x("SELECT id FROM invite_tokens WHERE workspace_id = %s", (ws,))]
        ids |= {"material_id": [material], "invite_id": invites, "student_id": [profile_b, practice.student_profile_id],
                "user_id": [student_b.id, tutor.id]}
        b_objects |= set(invites)
    return {"student": practice.student, "guardian": guardian}, {k: [str(v) for v in vs] for k, vs in ids.items()}, {str(v) for v in b_objects}


def test_students_and_guardians_cannot_reach_other_students_or_staff_data_through_any_endpoint(api_url, db_url, practice, people):
    attackers, real_ids, b_objects = build_classroom(db_url, practice, people)
    forbidden = b_objects | set(SECRETS)
    before = fingerprint(db_url, practice.workspace_id)
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if "{workspace_id}" in op.path]
    bad: list[str] = []
    seen_success = {role: 0 for role in attackers}
    fuzzed = {role: 0 for role in attackers}
    started = time.monotonic()
    for role, person in attackers.items():
        auth = {"Authorization": person.http.headers["Authorization"]}
        for operation in operations:
            if time.monotonic() - started > TIME_BUDGET_SECONDS:
                break

            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(), pick=st.integers(min_value=0, max_value=7))
            def attack(case, pick) -> None:
                for name in list(case.path_parameters or {}):
                    if name in real_ids:
                        choices = real_ids[name]
                        case.path_parameters[name] = choices[pick % len(choices)]
                response = case.call(base_url=api_url, headers=auth)
                where = f"{role}: {case.method} {case.formatted_path} -> {response.status_code}"
                if response.status_code >= 500:
                    bad.append(f"{where} (server error) {response.text[:150]}")
                elif response.status_code < 300:
                    seen_success[role] += 1
                    read_only = case.method == "GET" or case.formatted_path.endswith(READ_ONLY_POSTS)
                    leaked = sorted(s for s in forbidden if s in response.text)
                    if not read_only:
                        bad.append(f"{where}: a {role} changed something")
                    if leaked:
                        bad.append(f"{where}: leaked {leaked}")
                elif response.status_code not in REFUSALS:
                    bad.append(f"{where} (not a refusal) {response.text[:150]}")

            attack()
            fuzzed[role] += 1
    elapsed = time.monotonic() - started
    assert len(operations) >= 30
    assert fuzzed == dict.fromkeys(attackers, len(operations)), f"out of time after {elapsed:.0f} s: lower EXAMPLES_PER_OPERATION"
    assert all(n > 0 for n in seen_success.values()), seen_success  # they did read their own workspace meanwhile
    assert bad == []
    assert fingerprint(db_url, practice.workspace_id) == before
