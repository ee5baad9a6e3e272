"""Attempt pages: the list with filters and pages, one attempt in words, and tutor feedback written, edited and
deleted from it."""

from __future__ import annotations

import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import text_of
from tests.web.teaching import classroom
from tutorassist.learning.cas.verdict import FEEDBACK


def _attempt(practice, attempt_id: str) -> dict:
    return practice.tutor.http.get(practice.path(f"/attempts/{attempt_id}")).json()


def test_the_list_filters_by_student_question_and_assignment(browser_of, practice):
    room = classroom(practice)
    wrong = practice.student.http.post(practice.path("/attempts"), json={"question_id": room.q_three, "answer": "7"})
    assert wrong.status_code == 201
    v = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/attempts"
    every = v.get(base)
    assert every.status_code == 200
    assert f'{base}/{room.attempt_id}"' in every.text and f'{base}/{wrong.json()["id"]}"' in every.text
    assert "Correct" in text_of(every) and "Incorrect" in text_of(every)
    in_assignment = v.get(base, params={"assignment": room.assignment_id})
    assert room.attempt_id in in_assignment.text and wrong.json()["id"] not in in_assignment.text
    at_question = v.get(base, params={"question": room.q_three})
    assert wrong.json()["id"] in at_question.text and room.attempt_id not in at_question.text
    student_user = _attempt(practice, room.attempt_id)["student_user_id"]
    theirs = v.get(base, params={"student": student_user, "question": "", "assignment": ""})
    assert room.attempt_id in theirs.text and wrong.json()["id"] in theirs.text
    nobody = v.get(base, params={"student": str(uuid.uuid4())})
    assert nobody.status_code == 200 and "match these filters" in text_of(nobody)
    for bad in ({"student": "x"}, {"question": "1"}, {"assignment": "?"}, {"cursor": "nope"}):
        assert v.get(base, params=bad).status_code == 422, bad


def test_the_list_pages_by_keyset(browser_of, practice):
    room = classroom(practice)
    for _ in range(50):
        assert practice.student.http.post(practice.path("/attempts"), json={"question_id": room.q_three,
                                                                             "answer": "3"}).status_code == 201
    v = browser_of(practice.tutor)
    first = v.get(f"/w/{practice.workspace_id}/attempts")
    assert room.attempt_id not in first.text  # the oldest of 51
    nxt = re.search(r'href="([^"]*cursor=[^"]*)">Next page', first.text)
    second = v.get(nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and room.attempt_id in second.text and "Next page" not in second.text


def test_an_attempt_in_words(browser_of, practice):
    room = classroom(practice)
    wrong = practice.student.http.post(practice.path("/attempts"), json={"question_id": room.q_three, "answer": "-3"})
    v = browser_of(practice.tutor)
    page = v.get(f"/w/{practice.workspace_id}/attempts/{room.attempt_id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "What is" in text and "Correct" in text and "100%" in text and "Hints used 0" in text
    assert "Next review" in text and "Open the assignment" in text
    note = re.search(r'id="answer-note">(.*?)</dd>', page.text, re.S).group(1)
    assert note.strip() and "_" not in note
    other = v.get(f"/w/{practice.workspace_id}/attempts/{wrong.json()['id']}")
    note = re.search(r'id="answer-note">(.*?)</dd>', other.text, re.S).group(1)
    stored = _attempt(practice, wrong.json()["id"])["answer_note"]
    assert stored and note.strip() == FEEDBACK[stored].replace("'", "&#39;")
    assert "Incorrect" in text_of(other) and "free practice" in text_of(other)


def test_feedback_is_sent_edited_and_deleted(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/attempts/{room.attempt_id}"
    page = v.get(path)
    assert '<label for="body">Feedback' in page.text and ">Send feedback</button>" in page.text
    sent = v.post(path + "/feedback", {"body": "Well done: $x^2$", "visible_to_student": "on"})
    assert sent.status_code == 303
    [fb] = _attempt(practice, room.attempt_id)["tutor_feedback"]
    assert fb["body"] == "Well done: $x^2$" and fb["visible_to_student"]
    assert "<math" in v.get(path).text
    mine = practice.student.http.get(practice.path(f"/attempts/{room.attempt_id}")).json()["tutor_feedback"]
    assert [f["body"] for f in mine] == ["Well done: $x^2$"]
    # Unticked: a private note the student does not see.
    edited = v.post(f"/w/{practice.workspace_id}/feedback/{fb['id']}", {"body": "Private now", "attempt_id": room.attempt_id})
    assert edited.status_code == 303 and edited.headers["location"].startswith(path)
    [fb] = _attempt(practice, room.attempt_id)["tutor_feedback"]
    assert fb["body"] == "Private now" and not fb["visible_to_student"]
    assert practice.student.http.get(practice.path(f"/attempts/{room.attempt_id}")).json()["tutor_feedback"] == []
    refused = v.post(f"/w/{practice.workspace_id}/feedback/{fb['id']}", {"body": "", "attempt_id": room.attempt_id})
    assert refused.status_code == 422 and f'id="edit-{fb["id"]}-error"' in refused.text
    deleted = v.post(f"/w/{practice.workspace_id}/feedback/{fb['id']}/delete", {"attempt_id": room.attempt_id})
    assert deleted.status_code == 303
    assert _attempt(practice, room.attempt_id)["tutor_feedback"] == []


def test_refused_feedback_keeps_the_text_and_names_the_field(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/attempts/{room.attempt_id}"
    empty = v.post(path + "/feedback", {"body": ""})
    assert empty.status_code == 422 and 'id="body-error"' in empty.text
    long = v.post(path + "/feedback", {"body": "y" * 10001, "visible_to_student": "on"})
    assert long.status_code == 422 and "y" * 10001 in long.text and 'id="body-error"' in long.text
    assert _attempt(practice, room.attempt_id)["tutor_feedback"] == []


def test_attempt_pages_are_for_staff_and_bad_ids_are_not_found(browser_of, practice):
    room = classroom(practice)
    student = browser_of(practice.student)
    assert student.get(f"/w/{practice.workspace_id}/attempts").status_code == 403
    assert student.get(f"/w/{practice.workspace_id}/attempts/{room.attempt_id}").status_code == 403
    assert student.post(f"/w/{practice.workspace_id}/attempts/{room.attempt_id}/feedback", {"body": "hi"}).status_code == 403
    v = browser_of(practice.tutor)
    assert v.get(f"/w/{practice.workspace_id}/attempts/{uuid.uuid4()}").status_code == 404
    assert v.get(f"/w/{practice.workspace_id}/attempts/zzz").status_code == 404
    assert v.post(f"/w/{practice.workspace_id}/attempts/{uuid.uuid4()}/feedback", {"body": "hi"}).status_code == 404
    assert v.post(f"/w/{practice.workspace_id}/feedback/{uuid.uuid4()}", {"body": "hi"}).status_code == 404
    assert v.post(f"/w/{practice.workspace_id}/feedback/{uuid.uuid4()}/delete").status_code == 404
    assert browser_of(practice.outsider).get(f"/w/{practice.workspace_id}/attempts").status_code == 404


def test_no_filter_or_feedback_answers_a_server_error(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    text = st.text(max_size=60)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(student=text, question=text, cursor=text, body=text, visible=st.sampled_from(["on", "", "no"]))
    def check(student, question, cursor, body, visible):
        base = f"/w/{practice.workspace_id}/attempts"
        listed = v.get(base, params={"student": student, "question": question, "assignment": student, "cursor": cursor})
        assert listed.status_code < 500
        assert v.post(f"{base}/{room.attempt_id}/feedback", {"body": body, "visible_to_student": visible}).status_code < 500

    check()
