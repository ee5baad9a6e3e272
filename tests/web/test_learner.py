"""The student's pages (today, the question page with preview, hints, result and flag, progress) and the guardian's
read-only progress, driven as a browser without JavaScript (and as htmx where a page swaps a piece)."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_practice import setup_bank
from tests.web.conftest import text_of
from tutorassist.db.connection import connect
from tutorassist.learning.cas.verdict import FEEDBACK

HTMX = {"HX-Request": "true"}


def hidden(response, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', response.text)
    assert match, f"no hidden input {name}"
    return match.group(1)


def answer_form(response) -> dict:
    """The hidden state of a rendered answer form (idempotency key, start time, hint reveal times)."""
    data = {"client_request_id": hidden(response, "client_request_id"), "started_at": hidden(response, "started_at")}
    times = re.findall(r'name="hints_viewed_at\[\]" value="([^"]*)"', response.text)
    if times:
        data["hints_viewed_at[]"] = times
    return data


def section(response, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', response.text, flags=re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def homework(practice, questions: list[str], title: str = "Homework") -> str:
    created = practice.tutor.http.post(practice.path("/assignments"), json={
        "student_profile_ids": [practice.student_profile_id], "title": title, "question_ids": questions})
    assert created.status_code == 201, created.text
    body = created.json()
    return (body[0] if isinstance(body, list) else body)["id"]


def hinted_question(practice) -> str:
    created = practice.tutor.http.post(practice.path("/questions"), json={
        "prompt_latex": r"What is $\frac{1}{2} + \frac{1}{2}$?", "answer_type": "number",
        "answer_spec": {"type": "number", "value": "1"}, "hints": ["Two halves", r"Make a whole: $1$"],
        "difficulty": 1, "status": "active"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def my_attempts(practice) -> list[dict]:
    return practice.student.http.get(practice.path("/me/attempts")).json()["items"]


def add_guardian(practice, people):
    email = f"parent.{uuid.uuid4().hex[:6]}@example.com"
    invite = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                      json={"role": "guardian", "email": email})
    assert invite.status_code == 201, invite.text
    return people("Parent", invite_token=invite.json()["token"], email=email)


# ---------------------------------------------------------------- today
def test_student_home_lists_assignments_with_progress_and_the_review_queue(practice, browser_of, db_url):
    _, _, a2, a1, _ = setup_bank(practice)
    assignment = homework(practice, [a1, a2])
    ws = practice.workspace_id
    v = browser_of(practice.student)
    home = v.get(f"/w/{ws}")
    assert home.status_code == 200, home.text
    assignments = section(home, "assignments")
    assert f'href="/w/{ws}/practice/{a1}?assignment={assignment}"' in assignments
    assert "Homework" in assignments and "0 of 2 answered" in assignments and "No due date" in assignments
    assert f'href="/w/{ws}/practice"' in home.text and ">Practice</a>" in home.text
    assert "Nothing is due for review now" in section(home, "review-queue")

    # Answering the first item moves the link to the second; a past due date says so in words; a due card shows up.
    assert practice.student.http.post(practice.path("/attempts"), json={
        "question_id": a1, "answer": "1", "assignment_id": assignment}).status_code == 201
    with connect(db_url, autocommit=True) as owner:
        owner.execute("UPDATE assignments SET due_at = now() - interval '1 day' WHERE id = %s", (assignment,))
        owner.execute("UPDATE spaced_repetition SET due_at = now() - interval '1 hour' WHERE question_id = %s", (a1,))
    home = v.get(f"/w/{ws}")
    assignments = section(home, "assignments")
    assert f"/practice/{a2}?assignment={assignment}" in assignments and "1 of 2 answered" in assignments
    assert "Overdue" in text_of(home)
    queue = section(home, "review-queue")
    assert f'href="/w/{ws}/practice/{a1}"' in queue and "Review" in queue and "<math" in queue


# ---------------------------------------------------------------- the question page
def test_answering_an_assignment_shows_the_verdict_in_words_and_leads_to_the_next_item(practice, browser_of):
    _, _, a2, a1, _ = setup_bank(practice)
    assignment = homework(practice, [a1, a2])
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}?assignment={assignment}")
    assert page.status_code == 200, page.text
    assert '<label for="answer">Your answer</label>' in page.text and "Submit answer" in page.text
    assert 'id="answer-preview"' in page.text and "Homework: question 1 of 2" in text_of(page)
    assert "<math" in page.text  # the prompt's LaTeX as MathML

    form = answer_form(page) | {"answer": "1"}
    first = v.post(f"/w/{ws}/practice/{a1}?assignment={assignment}", form)
    assert first.status_code == 303, first.text
    # A double submit of the same page is the same attempt.
    again = v.post(f"/w/{ws}/practice/{a1}?assignment={assignment}", form)
    assert again.headers["location"] == first.headers["location"]
    assert len(my_attempts(practice)) == 1 and my_attempts(practice)[0]["assignment_id"] == assignment

    result = v.get(first.headers["location"])
    assert result.status_code == 200
    outcome = section(result, "answer-result")
    assert "Correct" in outcome and "Not correct" not in outcome
    assert re.search(r'id="answer-note">\s*' + re.escape(FEEDBACK["correct"]), outcome)
    assert "Next review:" in outcome
    assert f'href="/w/{ws}/practice/{a2}?assignment={assignment}">Next question</a>' in result.text

    second = v.get(f"/w/{ws}/practice/{a2}?assignment={assignment}")
    done = v.post(f"/w/{ws}/practice/{a2}?assignment={assignment}", answer_form(second) | {"answer": "-2"})
    result = v.get(done.headers["location"])
    outcome = section(result, "answer-result")
    assert "Not correct" in outcome and FEEDBACK["sign_error"] in outcome
    assert "Back to today" in result.text and "Next question" not in result.text
    attempt = my_attempts(practice)[0]
    assert attempt["verdict"] == "incorrect" and attempt["time_spent_seconds"] is not None


def test_free_practice_goes_to_the_next_best_question_or_says_there_is_none(practice, browser_of):
    ws = practice.workspace_id
    v = browser_of(practice.student)
    empty = v.get(f"/w/{ws}/practice")
    assert empty.status_code == 200 and "Nothing to practise right now" in text_of(empty)
    _, _, _, a1, _ = setup_bank(practice)
    chosen = v.get(f"/w/{ws}/practice")
    assert chosen.status_code == 303 and chosen.headers["location"] == f"/w/{ws}/practice/{a1}"
    page = v.get(chosen.headers["location"])
    done = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1"})
    result = v.get(done.headers["location"])
    assert f'href="/w/{ws}/practice">Next question</a>' in result.text


def test_an_answer_that_cannot_be_understood_is_refused_beside_the_field_and_not_recorded(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    refused = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "2 +* )"})
    assert refused.status_code == 422
    assert 'id="answer-error"' in refused.text and 'value="2 +* )"' in refused.text
    assert my_attempts(practice) == []
    # The page keeps its key: the corrected answer goes through.
    assert hidden(refused, "client_request_id") == hidden(page, "client_request_id")
    fixed = v.post(f"/w/{ws}/practice/{a1}", answer_form(refused) | {"answer": "1"})
    assert fixed.status_code == 303 and len(my_attempts(practice)) == 1


def test_a_spent_page_sent_again_with_another_answer_records_nothing_and_gets_a_new_key(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    assert v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1"}).status_code == 303
    back = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "7"})  # the back button, another answer
    assert back.status_code == 409 and "already recorded" in text_of(back) and 'value="7"' in back.text
    assert len(my_attempts(practice)) == 1
    assert hidden(back, "client_request_id") != hidden(page, "client_request_id")
    assert v.post(f"/w/{ws}/practice/{a1}", answer_form(back) | {"answer": "7"}).status_code == 303
    assert [a["answer_raw"] for a in my_attempts(practice)] == ["7", "1"]


def test_a_multiple_choice_question_lists_its_choices_and_is_answered_by_letter(practice, browser_of):
    created = practice.tutor.http.post(practice.path("/questions"), json={
        "prompt_latex": "Which is even?", "answer_type": "multiple_choice", "difficulty": 1, "status": "active",
        "answer_spec": {"type": "multiple_choice", "choices": [{"id": "a", "latex": "$3$"}, {"id": "b", "latex": "$4$"}],
                        "correct_ids": ["b"]}})
    assert created.status_code == 201, created.text
    question = created.json()["id"]
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{question}")
    assert "Answer with the letter of your choice" in text_of(page) and page.text.count("<math") >= 2
    wrong = v.post(f"/w/{ws}/practice/{question}", answer_form(page) | {"answer": "z"})
    assert wrong.status_code == 422 and 'id="answer-error"' in wrong.text and my_attempts(practice) == []
    done = v.post(f"/w/{ws}/practice/{question}", answer_form(page) | {"answer": "B"})
    assert "Correct" in section(v.get(done.headers["location"]), "answer-result")


def test_the_preview_says_how_the_answer_is_read(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    understood = v.post(f"/w/{ws}/practice/{a1}/preview", {"answer": "1/2"}, headers=HTMX)
    assert understood.status_code == 200 and "Interpreted as" in understood.text and "<math" in understood.text
    assert "<html" not in understood.text
    garbage = v.post(f"/w/{ws}/practice/{a1}/preview", {"answer": "2 +* )"}, headers=HTMX)
    assert garbage.status_code == 200 and "Interpreted as" not in garbage.text and text_of(garbage)
    blank = v.post(f"/w/{ws}/practice/{a1}/preview", {"answer": " "}, headers=HTMX)
    assert "Type your answer" in blank.text
    assert "too long" in v.post(f"/w/{ws}/practice/{a1}/preview", {"answer": "1" * 2001}, headers=HTMX).text


def test_hints_are_revealed_one_at_a_time_and_their_times_sent_with_the_answer(practice, browser_of):
    question = hinted_question(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{question}")
    assert "Show a hint" in page.text and "Two halves" not in page.text
    # As a plain form: the whole page comes back with the typed answer and one more hint.
    one = v.post(f"/w/{ws}/practice/{question}/hints", answer_form(page) | {"answer": "0.5"})
    assert one.status_code == 200 and "Two halves" in one.text and "Make a whole" not in one.text
    assert 'value="0.5"' in one.text and len(answer_form(one)["hints_viewed_at[]"]) == 1
    # With htmx: only the hints are swapped.
    two = v.post(f"/w/{ws}/practice/{question}/hints", answer_form(one), headers=HTMX)
    assert two.status_code == 200 and two.text.lstrip().startswith('<div id="hints"')
    assert "Make a whole" in two.text and "Show a hint" not in two.text
    times = re.findall(r'name="hints_viewed_at\[\]" value="([^"]*)"', two.text)
    assert len(times) == 2
    done = v.post(f"/w/{ws}/practice/{question}", answer_form(page) | {"hints_viewed_at[]": times, "answer": "1"})
    assert done.status_code == 303
    assert my_attempts(practice)[0]["hints_viewed"] == 2
    assert "You used 2 hints" in text_of(v.get(done.headers["location"]))


def test_tampered_hidden_state_is_refused_in_words_not_with_an_error(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    bad = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1", "hints_viewed_at[]": ["yesterday"],
                                                                "started_at": "soon"})
    assert bad.status_code == 422 and "hints viewed at" in text_of(bad) and my_attempts(practice) == []


# ---------------------------------------------------------------- flags
def test_a_student_flags_a_question_and_sees_it_was_received(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    assert "Flag this question" in page.text and '<label for="reason">Reason' in page.text
    assert '<label for="comment">Details' in page.text and "Send flag" in page.text

    no_reason = v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "", "comment": "hmm"})
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.text and ">hmm</textarea>" in no_reason.text
    other = v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "other", "comment": " "})
    assert other.status_code == 422 and 'id="comment-error"' in other.text
    assert practice.tutor.http.get(practice.path("/flags")).json()["items"] == []

    sent = v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "typo", "comment": "“Waht” in the prompt"})
    assert sent.status_code == 303
    thanks = v.get(sent.headers["location"])
    assert thanks.status_code == 200 and "your tutor" in text_of(thanks) and "Open" in text_of(thanks)
    flags = practice.tutor.http.get(practice.path("/flags")).json()["items"]
    assert [(f["question_id"], f["reason"], f["comment"]) for f in flags] == [(a1, "typo", "“Waht” in the prompt")]
    # A second flag is the service's to judge: it accepts it.
    assert v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "wrong_topic"}).status_code == 303
    # Someone else's flag is not theirs to read.
    assert v.get(f"/w/{ws}/practice/{a1}/flags/{uuid.uuid4()}").status_code == 404


def test_a_flag_sent_from_the_result_names_the_attempt(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    result = v.get(v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1"}).headers["location"])
    attempt_id = my_attempts(practice)[0]["id"]
    assert f'name="attempt_id" value="{attempt_id}"' in result.text
    sent = v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "incorrect_answer", "attempt_id": attempt_id})
    assert sent.status_code == 303
    assert practice.tutor.http.get(practice.path("/flags")).json()["items"][0]["attempt_id"] == attempt_id


def test_a_flag_that_hides_the_question_leaves_its_result_readable(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    assert practice.tutor.http.patch(practice.path(), json={"settings": {"auto_hide_flag_threshold": 1}}).status_code == 200
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    result_url = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1"}).headers["location"]
    sent = v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "incorrect_answer"})
    thanks = v.get(sent.headers["location"])
    assert thanks.status_code == 200 and "hidden until your tutor" in text_of(thanks)
    assert f'href="/w/{ws}/practice/{a1}"' not in thanks.text
    assert v.get(f"/w/{ws}/practice/{a1}").status_code == 404
    result = v.get(result_url)
    assert result.status_code == 200 and "Correct" in section(result, "answer-result")


def test_the_result_shows_the_tutors_comments_meant_for_the_student(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    result_url = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1"}).headers["location"]
    attempt_id = my_attempts(practice)[0]["id"]
    for body, visible in (("Nicely done: $1 + 0 = 1$", True), ("Private: check next week", False)):
        assert practice.tutor.http.post(practice.path(f"/attempts/{attempt_id}/feedback"),
                                        json={"body": body, "visible_to_student": visible}).status_code == 201
    outcome = section(v.get(result_url), "answer-result")
    assert "Nicely done" in outcome and "<math" in outcome and "Private" not in outcome


# ---------------------------------------------------------------- progress
def test_progress_shows_mastery_attempts_and_assignments(practice, browser_of):
    _, _, a2, a1, _ = setup_bank(practice)
    assignment = homework(practice, [a1])
    homework(practice, [a2], title="Later")
    assert practice.student.http.post(practice.path("/attempts"), json={
        "question_id": a1, "answer": "1", "assignment_id": assignment}).status_code == 201
    assert practice.student.http.post(practice.path("/attempts"), json={"question_id": a2, "answer": "5"}).status_code == 201
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/progress")
    assert page.status_code == 200, page.text
    mastery = section(page, "mastery")
    assert "Arithmetic" in mastery and "Algebra" in mastery and "Not started" in mastery and "%" in mastery
    assert "1 done, 1 left" in text_of(page)
    recent = section(page, "recent-attempts")
    assert "Correct" in recent and "Not correct" in recent and FEEDBACK["incorrect"] in recent
    first = my_attempts(practice)[-1]
    assert f'href="/w/{ws}/practice/{a1}/attempts/{first["id"]}"' in recent
    assert f'href="/w/{ws}/progress/charts">Charts</a>' in page.text


def test_a_guardian_reads_their_students_progress_and_never_answers(practice, browser_of, people):
    _, _, _, a1, _ = setup_bank(practice)
    assert practice.student.http.post(practice.path("/attempts"), json={"question_id": a1, "answer": "1"}).status_code == 201
    guardian = add_guardian(practice, people)
    ws = practice.workspace_id
    v = browser_of(guardian)
    for path in (f"/w/{ws}", f"/w/{ws}/progress"):
        page = v.get(path)
        assert page.status_code == 200, page.text
        text = text_of(page)
        assert "Progress of Student" in text and "Correct" in section(page, "recent-attempts")
        assert "Your answer" not in text and "Submit answer" not in text and "Flag this question" not in text
    assert v.get(f"/w/{ws}/practice/{a1}").status_code == 403
    assert v.get(f"/w/{ws}/practice").status_code == 403
    assert v.post(f"/w/{ws}/practice/{a1}", {"answer": "1"}).status_code == 403
    assert v.post(f"/w/{ws}/practice/{a1}/flag", {"reason": "typo"}).status_code == 403
    assert len(my_attempts(practice)) == 1


def test_an_archived_student_reads_but_cannot_answer(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    v = browser_of(practice.student)
    page = v.get(f"/w/{ws}/practice/{a1}")
    archived = practice.tutor.http.patch(practice.path(f"/students/{practice.student_profile_id}"), json={"archived": True})
    assert archived.status_code == 200
    home = v.get(f"/w/{ws}")
    assert home.status_code == 200 and "archived" in text_of(home) and 'id="mastery"' in home.text
    question = v.get(f"/w/{ws}/practice/{a1}")
    assert question.status_code == 200 and "archived" in text_of(question) and "Submit answer" not in question.text
    refused = v.post(f"/w/{ws}/practice/{a1}", answer_form(page) | {"answer": "1"})
    assert refused.status_code == 403 and "archived" in text_of(refused)
    assert my_attempts(practice) == []


# ---------------------------------------------------------------- roles, tenancy, bad input
def test_learner_pages_refuse_other_roles_and_workspaces_and_bad_ids(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    ws = practice.workspace_id
    tutor, outsider, student = browser_of(practice.tutor), browser_of(practice.outsider), browser_of(practice.student)
    for path in (f"/w/{ws}/practice", f"/w/{ws}/practice/{a1}", f"/w/{ws}/progress"):
        assert tutor.get(path).status_code == 403, path
        assert outsider.get(path).status_code == 404, path
    missing = uuid.uuid4()
    for path in (f"/w/{ws}/practice/{missing}", f"/w/{ws}/practice/not-a-uuid",
                 f"/w/{ws}/practice/{a1}/attempts/{missing}", f"/w/{ws}/practice/{a1}/flags/{missing}",
                 f"/w/{ws}/practice/{a1}?assignment={missing}"):
        response = student.get(path)
        assert response.status_code == 404 and "text/html" in response.headers["content-type"], path
    bad_query = student.get(f"/w/{ws}/practice/{a1}?assignment=nope")
    assert 400 <= bad_query.status_code < 500
    signed_out = browser_of(practice.student)
    signed_out.post("/signout")
    assert signed_out.get(f"/w/{ws}/progress").headers["location"].startswith("/signin")


_TOKENS = st.sampled_from(["1", "x", "2", "+", "-", "*", "/", "^", "(", ")", "=", "<", ",", r"\frac{", "}", "{",
                           r"\sqrt", ".", " ", "[", "]", "sin", "pi", "e", "%", "\\", "$", "∞", "½"])
ANSWERS = st.one_of(st.text(max_size=40), st.lists(_TOKENS, max_size=12).map("".join))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=ANSWERS, assignment=st.one_of(st.none(), st.text(max_size=20)),
       hint_times=st.lists(st.text(max_size=30), max_size=3), started=st.text(max_size=30),
       reason=st.one_of(st.sampled_from(["typo", "other", ""]), st.text(max_size=15)), comment=st.text(max_size=40))
def test_no_answer_hidden_value_or_query_gives_a_server_error(practice_session, answer, assignment, hint_times,
                                                              started, reason, comment):
    v, ws, question = practice_session
    params = {} if assignment is None else {"assignment": assignment}
    preview = v.post(f"/w/{ws}/practice/{question}/preview", {"answer": answer}, headers=HTMX)
    assert preview.status_code == 200
    page = v.get(f"/w/{ws}/practice/{question}", params=params)
    assert page.status_code < 500
    state = {"answer": answer, "client_request_id": uuid.uuid4().hex, "started_at": started,
             "hints_viewed_at[]": hint_times}
    for path in (f"/w/{ws}/practice/{question}/hints", f"/w/{ws}/practice/{question}"):
        response = v.post(path, state, params=params)
        assert response.status_code < 500, response.text
    flagged = v.post(f"/w/{ws}/practice/{question}/flag", {"reason": reason, "comment": comment}, params=params)
    assert flagged.status_code < 500, flagged.text


@pytest.fixture
def practice_session(practice, browser_of):
    _, _, _, a1, _ = setup_bank(practice)
    return browser_of(practice.student), practice.workspace_id, a1
