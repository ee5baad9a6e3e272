"""The tutor's home page: the students × topics grid, who needs help, open flags, due assignments, recent attempts;
and the empty workspace's first steps."""

from __future__ import annotations

import re

from tests.web.conftest import text_of
from tests.web.teaching import classroom


def _section(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, element_id
    return match.group(2)


def test_a_workspace_without_topics_or_questions_says_what_to_do_first(browser_of, practice):
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Getting started" in text and "Create topics" in text and "Write questions" in text
    assert 'id="mastery-grid"' not in page.text
    assert "0 open flags" in text_of_html(_section(page.text, "open-flags"))


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_grid_shows_mastery_per_student_and_topic(browser_of, practice):
    room = classroom(practice)
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}")
    assert page.status_code == 200, page.text
    grid = _section(page.text, "mastery-grid")
    headers = [text_of_html(h) for h in re.findall(r'<th scope="col">(.*?)</th>', grid, re.S)]
    assert headers == ["Student", "Arithmetic", "Algebra"]
    row = text_of_html(re.search(r"<tbody>(.*?)</tbody>", grid, re.S).group(1))
    # One correct answer in Arithmetic: BKT moves 20% to 58% (developing); nothing yet in Algebra.
    assert "Student" in row and "58% Developing" in row and "1/1 correct" in row and "—" in row
    assert "1 open flag" in text_of_html(_section(page.text, "open-flags"))
    recent = _section(page.text, "recent-attempts")
    assert f'/attempts/{room.attempt_id}"' in recent and "Correct" in recent
    text = text_of(page)
    assert "Homework" in text and "1 of 2 answered" in text
    assert "Getting started" not in text


def test_falling_accuracy_and_overdue_reviews_are_marked_in_words(browser_of, practice, owner):
    room = classroom(practice)
    owner.execute("UPDATE spaced_repetition SET due_at = now() - interval '3 days' WHERE question_id = %s", (room.q_one,))
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}")
    grid = text_of_html(_section(page.text, "mastery-grid"))
    assert "Overdue (1)" in grid
    help_list = text_of(page).split("Needs help", 1)[1]
    assert "Student" in help_list and "Overdue reviews" in help_list


def test_students_get_their_own_home_and_outsiders_nothing(browser_of, practice):
    classroom(practice)
    student = browser_of(practice.student).get(f"/w/{practice.workspace_id}")
    assert student.status_code == 200 and 'id="mastery-grid"' not in student.text
    assert browser_of(practice.outsider).get(f"/w/{practice.workspace_id}").status_code == 404
