"""Analytics pages: the tutor's overview, one student's progress, a learner's own charts, question statistics and AI
cost, over the analytics services; a bad period marked on the form (422), never a 500; roles and tenancy."""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import question
from tests.web.conftest import text_of

_ATTEMPT = ("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
            "time_spent_seconds, submitted_at, error_taxonomy_json) VALUES (%s, %s, %s, 'x', %s, %s, %s, %s, %s)")


def worked(practice, owner) -> str:
    """A topic "Fractions" and the student's answers there over the last days: 3 of 4 correct. Returns the topic id."""
    ws, me = practice.workspace_id, practice.student.id
    topic = owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Fractions') RETURNING id", (ws,)).fetchone()[0]
    q1, q2 = question(owner, ws, topic), question(owner, ws, topic)
    now = datetime.now(timezone.utc)
    for days_ago, q, ok in ((3, q1, False), (3, q2, True), (1, q1, True), (1, q2, True)):
        owner.execute(_ATTEMPT, (ws, me, q, ok, int(ok), 40, now - timedelta(days=days_ago, hours=1),
                                 json.dumps([] if ok else ["sign_error"])))
    return str(topic)


def charts_of(response) -> list[str]:
    """Each <figure class="chart">'s SVG parses, and its numbers table has a caption."""
    html = response.text
    figures = html.split('<figure class="chart">')[1:]
    for figure in figures:
        svg = figure[figure.index("<svg"):figure.index("</svg>") + 6]
        ET.fromstring(svg)
        assert "<script" not in svg
        table = figure[figure.index('<details class="data-table">'):figure.index("</details>")]
        assert "<caption>" in table
    return figures


def test_the_tutor_sees_the_workspace_at_a_glance(browser_of, practice, owner):
    worked(practice, owner)
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}/analytics")
    assert page.status_code == 200, page.text
    text = text_of(page)
    assert "At a glance" in text and "Who needs help" in text and "Tutors" in text
    assert len(charts_of(page)) == 1
    assert "Accuracy per topic" in text and "Fractions" in text and "75%" in text
    assert 'id="from"' in page.text and 'id="to"' in page.text
    assert f'href="/w/{practice.workspace_id}/analytics/students/{practice.student_profile_id}">Student</a>' in page.text
    start, end = (re.search(rf'id="{name}" name="{name}" type="date" value="([0-9-]+)"', page.text).group(1)
                  for name in ("from", "to"))
    assert (date.fromisoformat(end) - date.fromisoformat(start)).days == 89  # the API's default period, filled in


def test_a_bad_period_is_marked_on_the_form_and_kept(browser_of, practice):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/analytics"
    for path in (base, base + "/ai"):
        malformed = tutor.get(path, params={"from": "yesterday", "to": "2026-01-01"})
        assert malformed.status_code == 422, path
        assert 'id="from-error"' in malformed.text and 'value="yesterday"' in malformed.text
        backwards = tutor.get(path, params={"from": "2026-03-01", "to": "2026-01-01"})
        assert backwards.status_code == 422
        assert 'id="from-error"' in backwards.text and "must not be after to" in text_of(backwards)
        assert 'value="2026-03-01"' in backwards.text
        too_long = tutor.get(path, params={"from": "2020-01-01", "to": "2026-01-01"})
        assert too_long.status_code == 422 and "at most 731 days" in text_of(too_long)


def test_a_student_report_shows_charts_velocity_help_and_cohort(browser_of, practice, owner):
    worked(practice, owner)
    tutor = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/analytics/students/{practice.student_profile_id}"
    page = tutor.get(path, params={"bucket": "day"})
    assert page.status_code == 200, page.text
    text = text_of(page)
    assert "Analytics: Student" in text
    assert len(charts_of(page)) == 3
    assert "Accuracy per day" in text and "Accuracy per topic and day" in text and "Mastery estimate per topic" in text
    assert "Velocity and time on task" in text and "Compared with the cohort" in text
    assert "2.7 minutes on task" in text  # 4 attempts of 40 s
    weeks = tutor.get(path, params={"bucket": "week"})
    assert weeks.status_code == 200 and "Accuracy per week" in text_of(weeks)
    assert tutor.get(path, params={"bucket": "month"}).status_code == 422
    elsewhere = f"/w/{practice.workspace_id}/analytics/students/{uuid.uuid4()}"
    assert tutor.get(elsewhere).status_code == 404
    assert tutor.get(f"/w/{practice.workspace_id}/analytics/students/not-an-id").status_code == 404


def test_a_student_reads_their_own_charts_only(browser_of, practice, owner):
    worked(practice, owner)
    student = browser_of(practice.student)
    page = student.get(f"/w/{practice.workspace_id}/progress/charts", params={"bucket": "day"})
    assert page.status_code == 200, page.text
    assert "Your progress charts" in text_of(page) and len(charts_of(page)) == 3
    assert "Fractions" in text_of(page)
    assert student.get(f"/w/{practice.workspace_id}/progress/charts", params={"to": "2026-13-01"}).status_code == 422
    for staff_page in ("/analytics", f"/analytics/students/{practice.student_profile_id}", "/analytics/questions",
                       "/analytics/ai"):
        assert student.get(f"/w/{practice.workspace_id}{staff_page}").status_code == 403, staff_page
    assert browser_of(practice.tutor).get(f"/w/{practice.workspace_id}/progress/charts").status_code == 403


def test_a_guardian_reads_their_students_charts(browser_of, practice, people, owner):
    worked(practice, owner)
    email = f"parent.{uuid.uuid4().hex[:6]}@example.com"
    token = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                     json={"role": "guardian", "email": email}).json()["token"]
    guardian = people("Guardian", invite_token=token, email=email)
    page = browser_of(guardian).get(f"/w/{practice.workspace_id}/progress/charts", params={"bucket": "day"})
    assert page.status_code == 200, page.text
    assert "Progress charts of Student" in text_of(page) and len(charts_of(page)) == 3
    assert re.search(r"accuracy from 50% \(\S+\) to 100% \(\S+\), 2 points", text_of(page))  # 1 of 2, then 2 of 2
    assert browser_of(guardian).get(f"/w/{practice.workspace_id}/analytics").status_code == 403


def test_no_data_reads_as_sentences_not_empty_charts(browser_of, practice):
    page = browser_of(practice.student).get(f"/w/{practice.workspace_id}/progress/charts")
    assert page.status_code == 200
    assert '<figure class="chart">' not in page.text
    assert "No graded answers in this period yet." in text_of(page)


def test_question_statistics_show_sample_sizes_and_withhold_small_ones(browser_of, practice, owner):
    topic = worked(practice, owner)
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/analytics/questions"
    page = tutor.get(base)
    assert page.status_code == 200, page.text
    text = text_of(page)
    assert "Students (n)" in text and "Too few students" in text
    assert "Difficulty calibration" in text and "Coverage" in text and "Commonest wrong-answer notes" in text
    assert "Fractions" in text
    for sort in ("students", "facility", "discrimination", "flag_rate"):
        assert tutor.get(base, params={"sort": sort}).status_code == 200
    assert tutor.get(base, params={"sort": "nonsense"}).status_code == 422
    assert tutor.get(base, params={"cursor": "garbage"}).status_code == 422
    assert topic


def test_refreshed_statistics_show_their_numbers_dubious_in_words_and_notes(browser_of, practice, owner):
    topic = worked(practice, owner)
    ws = practice.workspace_id
    sampled = owner.execute("SELECT id FROM questions WHERE workspace_id = %s ORDER BY id LIMIT 1", (ws,)).fetchone()[0]
    owner.execute("INSERT INTO question_item_statistics (workspace_id, question_id, students, facility, score_sd, "
                  "discrimination_index, rest_students, dubious, attempts, students_attempted, flags, open_flags, "
                  "flag_rate, computed_at) VALUES (%s, %s, 12, 0.25, 0.4, -12.5, 12, true, 15, 12, 3, 1, 0.25, now())",
                  (ws, sampled))
    owner.execute("INSERT INTO topic_wrong_answer_notes (workspace_id, topic_id, note_code, attempts, students, last_seen) "
                  "VALUES (%s, %s, 'sign_error', 7, 4, now())", (ws, topic))
    owner.execute("INSERT INTO item_statistics_refreshes (workspace_id, data_as_of, refreshed_at, duration_ms, questions, "
                  "notes) VALUES (%s, now(), now(), 0, 1, 1)", (ws,))
    page = browser_of(practice.tutor).get(f"/w/{ws}/analytics/questions", params={"sort": "students"})
    assert page.status_code == 200, page.text
    first_row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page.text, re.S).group(1)
    cells = text_of_html(first_row)
    assert "12" in cells and "25%" in cells and "-12" in cells and "Dubious" in cells and "3 (1 open)" in cells
    assert "Too few students" in text_of(page)  # the other question (n = 0)
    assert "sign_error" in text_of(page) and "Fractions sign_error 7 4" in text_of(page)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_ai_cost_page_shows_usage_and_generation_outcomes(browser_of, practice, owner):
    owner.execute("INSERT INTO ai_usage_log (workspace_id, operation_type, model, tokens_input, tokens_output, "
                  "tokens_total, cost_usd, success) VALUES (%s, 'generate_questions', 'gpt-4o-mini', 1000, 500, 1500, "
                  "0.0125, true)", (practice.workspace_id,))
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}/analytics/ai")
    assert page.status_code == 200, page.text
    text = text_of(page)
    assert "Cost per accepted question" in text and "Batch outcomes" in text
    assert "gpt-4o-mini" in text and "$0.0125" in text
    assert len(charts_of(page)) == 1


def test_another_workspace_cannot_see_the_analytics(browser_of, practice):
    outsider = browser_of(practice.outsider)
    for suffix in ("/analytics", "/analytics/questions", "/analytics/ai", "/progress/charts",
                   f"/analytics/students/{practice.student_profile_id}"):
        assert outsider.get(f"/w/{practice.workspace_id}{suffix}").status_code == 404, suffix


_QUERY_TEXT = st.one_of(st.text(max_size=14), st.sampled_from(["2026-01-01", "1969-12-31", "2201-01-01", "0000-00-00",
                                                               "2026-02-30", "day", "week", "-1", "1e9", ""]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["from", "to", "bucket", "sort", "status", "cursor", "x"]), _QUERY_TEXT,
                             max_size=4),
       which=st.sampled_from(["/analytics", "/analytics/ai", "/analytics/questions", "/analytics/students/{s}"]))
def test_no_query_string_gives_a_server_error(browser_of, practice, query, which):
    if not hasattr(practice, "_tutor_browser"):
        practice._tutor_browser = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}" + which.format(s=practice.student_profile_id)
    response = practice._tutor_browser.get(path + "?" + urlencode(query))
    assert response.status_code < 500, (path, query, response.text[:500])
    assert "text/html" in response.headers["content-type"]
