"""The analytics endpoints over HTTP: exact numbers on a hand-built workspace (a non-UTC time zone, a bucket across
midnight), who may read what, and bad filters answered 422 problem+json, never 500."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.helpers import PROBLEM, fields, problem
from tests.factories import question, student

_ATTEMPT = ("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
            "time_spent_seconds, submitted_at, error_taxonomy_json) VALUES (%s, %s, %s, 'x', %s, %s, %s, %s, %s)")


def _attempt(owner, ws, who, q, ok, at, secs=None, notes=()):
    owner.execute(_ATTEMPT, (ws, who, q, ok, None if ok is None else int(ok), secs, at, json.dumps(list(notes))))


def _bank(owner, ws):
    topic = owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Fractions') RETURNING id", (ws,)).fetchone()[0]
    return topic, question(owner, ws, topic), question(owner, ws, None)


def test_student_reports_have_exact_numbers_in_the_workspace_time_zone(practice, owner):
    ws, me = practice.workspace_id, practice.student.id
    owner.execute("UPDATE workspaces SET timezone = 'Pacific/Auckland' WHERE id = %s", (ws,))  # UTC+13 in November
    topic, q1, loose = _bank(owner, ws)
    _attempt(owner, ws, me, q1, False, datetime(2026, 11, 10, 10, 30, tzinfo=timezone.utc), 30)  # 23:30 on the 10th
    _attempt(owner, ws, me, q1, True, datetime(2026, 11, 10, 11, 30, tzinfo=timezone.utc), 50)  # 00:30 on the 11th
    _attempt(owner, ws, me, loose, True, datetime(2026, 11, 11, 2, 0, tzinfo=timezone.utc))
    staff = practice.tutor.http
    base = practice.path(f"/analytics/students/{practice.student_profile_id}")
    period = {"from": "2026-11-10", "to": "2026-11-12"}

    days = staff.get(base + "/accuracy", params=period | {"bucket": "day"}).json()
    assert days["period"] == {"start": "2026-11-10", "end": "2026-11-12", "time_zone": "Pacific/Auckland"}
    assert [(p["start"], p["attempts"], p["graded"], p["correct"], p["accuracy"]) for p in days["points"]] == [
        ("2026-11-10", 1, 1, 0, 0.0), ("2026-11-11", 2, 2, 2, 1.0), ("2026-11-12", 0, 0, 0, None)]
    assert days["freshness"]["source"] == "live"
    weeks = staff.get(base + "/accuracy", params=period | {"bucket": "week"}).json()
    assert [(p["start"], p["attempts"], p["accuracy"]) for p in weeks["points"]] == [("2026-11-09", 3, 0.666667)]
    mine = practice.student.http.get(practice.path("/me/analytics/accuracy"), params=period | {"bucket": "day"}).json()
    assert mine["points"] == days["points"] and mine["student_id"] == practice.student_profile_id

    velocity = staff.get(base + "/velocity", params=period | {"bucket": "day"}).json()
    assert [(p["new_questions"], p["attempts"], p["average_time_seconds"], p["time_on_task_seconds"])
            for p in velocity["points"]] == [(1, 1, 30.0, 30), (1, 2, 50.0, 50), (0, 0, None, 0)]

    topics = staff.get(base + "/topics", params=period | {"bucket": "day"}).json()["topics"]
    assert [(t["topic_id"], t["topic_name"]) for t in topics] == [(str(topic), "Fractions"), (None, None)]
    assert [(p["start"], p["attempts"], p["accuracy"], p["average_time_seconds"]) for p in topics[0]["points"]] == [
        ("2026-11-10", 1, 0.0, 30.0), ("2026-11-11", 1, 1.0, 50.0)]
    assert 0 < topics[0]["p_known"] < 1 and topics[1]["points"][0]["attempts"] == 1

    report = staff.get(practice.path("/analytics/topics"), params=period).json()["topics"]
    assert [(t["topic_name"], t["attempts"], t["graded"], t["accuracy"], t["average_time_seconds"], t["students"])
            for t in report] == [("Fractions", 2, 2, 0.5, 40.0, 1), (None, 1, 1, 1.0, None, 1)]

    # The workspace moves to UTC (through the API, as its owner): the 23:30 attempt is on the 10th still, the
    # 00:30 one moves back to the 10th as well.
    assert staff.patch(practice.path(), json={"timezone": "UTC"}).status_code == 200
    days = staff.get(base + "/accuracy", params=period | {"bucket": "day"}).json()
    assert days["period"]["time_zone"] == "UTC"
    assert [(p["start"], p["attempts"]) for p in days["points"]] == [("2026-11-10", 2), ("2026-11-11", 1), ("2026-11-12", 0)]


def test_needs_help_overview_and_cohorts(practice, owner):
    ws, me = practice.workspace_id, practice.student.id
    _, q1, q2 = _bank(owner, ws)
    now = datetime.now(timezone.utc)
    for n in range(10):  # the 28 days before: 9 of 10 right
        _attempt(owner, ws, me, q1, n > 0, now - timedelta(days=10 + n))
    for n in range(5):  # this week: 1 of 5 right, the same mistake twice
        _attempt(owner, ws, me, q2, n == 0, now - timedelta(hours=n + 1), 20, notes=["sign_error"] if n in (1, 2) else [])
    owner.execute("INSERT INTO spaced_repetition (workspace_id, student_user_id, question_id, due_at) "
                  "VALUES (%s, %s, %s, now() - interval '3 days')", (ws, me, q1))
    # A steady classmate who needs no help, in the same cohort.
    peer = student(owner, ws, "Peer")
    peer_profile = owner.execute("SELECT id FROM student_profiles WHERE user_id = %s", (peer,)).fetchone()[0]
    for n in range(4):
        _attempt(owner, ws, peer, q1, n != 3, now - timedelta(days=n))  # 3 of 4 right

    listed = practice.tutor.http.get(practice.path("/analytics/needs-help")).json()
    assert [(s["student_id"], s["reasons"]) for s in listed["students"]] == [
        (practice.student_profile_id, ["falling_accuracy", "overdue_reviews"])]
    entry = listed["students"][0]
    assert (entry["last_7_days"], entry["previous_28_days"], entry["overdue_reviews"]) == (
        {"graded": 5, "correct": 1, "accuracy": 0.2}, {"graded": 10, "correct": 9, "accuracy": 0.9}, 1)
    assert entry["repeated_wrong_answers"] is None  # the list does not read attempts
    own = practice.student.http.get(practice.path("/me/analytics/needs-help")).json()
    assert own["reasons"] == ["falling_accuracy", "overdue_reviews", "repeated_wrong_answers"]
    assert [(n["note"], n["times"]) for n in own["repeated_wrong_answers"]] == [("sign_error", 2)]

    overview = practice.tutor.http.get(practice.path("/analytics/overview")).json()
    assert {k: overview[k] for k in ("students", "topics", "attempts", "correct", "attempts_last_30_days",
                                     "active_students_7_days", "active_students_30_days")} == {
        "students": 2, "topics": 1, "attempts": 19, "correct": 13, "attempts_last_30_days": 19,
        "active_students_7_days": 2, "active_students_30_days": 2}
    assert overview["questions_by_status"] == {"draft": 0, "active": 2, "archived": 0}
    assert overview["accuracy_last_30_days"] == round(13 / 19, 6)

    # Cohorts, set through the student PATCH: without one, the workspace is the cohort.
    cohort = "7d1c7a56-59a4-4b59-9a55-2f0b1f6c2a11"
    alone = practice.student.http.get(practice.path("/me/analytics/cohort")).json()
    assert (alone["cohort_id"], alone["cohort_size"], alone["compared"]) == (None, 2, 2)
    for profile in (practice.student_profile_id, peer_profile):
        response = practice.tutor.http.patch(practice.path(f"/students/{profile}"),
                                             json={"cohort_id": cohort, "cohort_name": "Year 9 blue"})
        assert response.status_code == 200 and response.json()["cohort_id"] == cohort
    loner = student(owner, ws, "Loner")
    _attempt(owner, ws, loner, q1, True, now)
    report = practice.student.http.get(practice.path("/me/analytics/cohort")).json()
    # Me: 10 of 15 right; the peer: 3 of 4. The loner (no cohort) is not compared.
    assert (report["cohort_id"], report["cohort_size"], report["compared"]) == (cohort, 2, 2)
    assert report["student_accuracy"] == round(10 / 15, 6)
    assert report["cohort_accuracy"] == round((10 / 15 + 3 / 4) / 2, 6)
    assert report["percentile"] == 0.0
    peer_view = practice.tutor.http.get(practice.path(f"/analytics/students/{peer_profile}/cohort")).json()
    assert peer_view["percentile"] == 100.0


def test_tutor_report_counts_assignments_and_their_students_weekly_accuracy(practice, owner):
    ws, me = practice.workspace_id, practice.student.id
    _, q1, _ = _bank(owner, ws)
    owner.execute("INSERT INTO assignments (workspace_id, student_profile_id, title, created_by) VALUES (%s, %s, 'A', %s), "
                  "(%s, %s, 'B', %s)", (ws, practice.student_profile_id, practice.tutor.id) * 2)
    monday = datetime.now(timezone.utc).date() - timedelta(days=datetime.now(timezone.utc).weekday())
    at = datetime.combine(monday, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=12)
    _attempt(owner, ws, me, q1, False, at - timedelta(days=7))
    _attempt(owner, ws, me, q1, True, min(at, datetime.now(timezone.utc)))
    tutors = practice.tutor.http.get(practice.path("/analytics/tutors")).json()["tutors"]
    assert len(tutors) == 1
    report = tutors[0]
    assert (report["user_id"], report["role"], report["assignments_created"], report["assignments_completed"],
            report["completion_rate"], report["students"]) == (str(practice.tutor.id), "owner", 2, 0, 0.0, 1)
    assert [(w["start"], w["accuracy"]) for w in report["weekly_accuracy"]] == [
        (str(monday - timedelta(days=7)), 0.0), (str(monday), 1.0)]
    assert report["accuracy_change"] == 1.0


def test_who_may_read_what(practice, owner):
    ws = practice.workspace_id
    other = student(owner, ws, "Classmate")
    other_profile = owner.execute("SELECT id FROM student_profiles WHERE user_id = %s", (other,)).fetchone()[0]
    elsewhere = practice.outsider.http.post(f"/workspaces/{practice.outsider_workspace_id}/students",
                                            json={"name": "Far"}).json()["id"]
    learner = practice.student.http
    for path in ("/analytics/topics", "/analytics/tutors", "/analytics/overview", "/analytics/needs-help"):
        problem(learner.get(practice.path(path)), 403)
    for report in ("accuracy", "topics", "velocity", "needs-help", "cohort"):
        problem(learner.get(practice.path(f"/analytics/students/{other_profile}/{report}")), 404)
        problem(practice.tutor.http.get(practice.path(f"/analytics/students/{elsewhere}/{report}")), 404)
        problem(practice.outsider.http.get(practice.path(f"/analytics/students/{practice.student_profile_id}/{report}")), 404)
        problem(practice.tutor.http.get(practice.path(f"/me/analytics/{report}")), 403)
        assert learner.get(practice.path(f"/me/analytics/{report}")).status_code == 200
    problem(practice.outsider.http.get(practice.path("/analytics/overview")), 404)


def test_a_guardian_reads_their_student_through_me(practice, people, owner):
    guardian_email = "guardian.analytics@example.com"
    token = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                     json={"role": "guardian", "email": guardian_email}).json()["token"]
    guardian = people("Guardian", invite_token=token, email=guardian_email)
    _, q1, _ = _bank(owner, practice.workspace_id)
    _attempt(owner, practice.workspace_id, practice.student.id, q1, True, datetime.now(timezone.utc))
    seen = guardian.http.get(practice.path("/me/analytics/accuracy"), params={"bucket": "week"}).json()
    assert seen["student_id"] == practice.student_profile_id
    assert sum(p["attempts"] for p in seen["points"]) == 1
    problem(guardian.http.get(practice.path("/analytics/overview")), 403)


def test_student_profile_patch_sets_program_grade_and_cohort(practice, owner):
    program, grade = owner.execute("SELECT program_id, id FROM grade_levels ORDER BY code LIMIT 1").fetchone()
    path = practice.path(f"/students/{practice.student_profile_id}")
    body = practice.tutor.http.patch(path, json={"study_program_id": str(program), "grade_level_id": str(grade),
                                                 "academic_year": 2026}).json()
    assert (body["study_program_id"], body["grade_level_id"], body["academic_year"]) == (str(program), str(grade), 2026)
    problem(practice.tutor.http.patch(path, json={"grade_level_id": "00000000-0000-0000-0000-000000000001"}), 409)
    assert practice.tutor.http.get(path).json()["grade_level_id"] == str(grade)  # nothing half-written
    assert fields(problem(practice.tutor.http.patch(path, json={"cohort_id": "not-a-uuid"}), 422)) == {"cohort_id"}
    problem(practice.student.http.patch(path, json={"cohort_id": None}), 403)


def test_bad_filters_are_clear_422s(practice):
    staff = practice.tutor.http
    accuracy = practice.path(f"/analytics/students/{practice.student_profile_id}/accuracy")
    cases = [
        ({"from": "2026-05-02", "to": "2026-05-01"}, {"from"}),
        ({"from": "2020-01-01", "to": "2026-01-01"}, {"from"}),
        ({"from": "1900-01-01", "to": "1900-02-01"}, {"from", "to"}),
        ({"to": "9999-12-31"}, {"to"}),
        ({"bucket": "month"}, {"query.bucket"}),
        ({"from": "yesterday"}, {"query.from"}),
        ({"from": "1.5e-60", "to": "-1"}, {"query.from", "query.to"}),  # not read as Unix times
    ]
    for params, named in cases:
        body = problem(staff.get(accuracy, params=params), 422)
        assert fields(body) == named, (params, body)
    assert staff.get(accuracy, params={"from": "2024-05-01", "to": "2026-05-01"}).status_code == 200  # 731 days
    problem(staff.get(practice.path("/analytics/needs-help"), params={"limit": 0}), 422)


_DATES = st.one_of(st.dates().map(str), st.text(max_size=12), st.sampled_from(["", "2026-02-30", "2026-13-01", "0001-01-01"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.fixed_dictionaries({}, optional={"from": _DATES, "to": _DATES,
                                                  "bucket": st.sampled_from(["day", "week", "month", "", "DAY"]) | st.text(max_size=6)}),
       report=st.sampled_from(["accuracy", "velocity", "topics", "cohort"]))
def test_any_query_string_is_answered_200_or_a_422_problem(practice, params, report):
    response = practice.tutor.http.get(practice.path(f"/analytics/students/{practice.student_profile_id}/{report}"),
                                       params=params)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.headers["content-type"].startswith(PROBLEM) and response.json()["errors"]
