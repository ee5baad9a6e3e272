"""The flags triage queue: open flags by default with their question, reason, comment and who raised them; resolve or
dismiss with a note, reopen; refused input keeps the note and names it."""

from __future__ import annotations

import re
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import text_of
from tests.web.teaching import classroom


def _flag(practice, flag_id: str) -> dict:
    flags = practice.tutor.http.get(practice.path("/flags"), params={"limit": 200}).json()["items"]
    return next(f for f in flags if f["id"] == flag_id)


def test_open_flags_show_the_question_reason_comment_and_who_raised_them(browser_of, practice):
    room = classroom(practice)
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}/flags")
    assert page.status_code == 200
    [article] = re.findall(r'<article class="flag".*?</article>', page.text, re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", article))
    assert "Typo" in text and "a plus sign is missing" in text and "Raised by Student" in text and "What is" in text
    assert f'/questions/{room.q_two}"' in article
    assert f'<label for="note-{room.flag_id}">Note</label>' in article
    assert ">Resolve</button>" in article and ">Dismiss</button>" in article


def test_resolve_with_a_note_then_reopen(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/flags/{room.flag_id}"
    done = v.post(path, {"status": "resolved", "resolution_note": "fixed the sign", "back": "open"})
    assert done.status_code == 303
    flag = _flag(practice, room.flag_id)
    assert flag["status"] == "resolved" and flag["resolution_note"] == "fixed the sign" and flag["resolved_by"]
    assert "No open flags" in text_of(v.get(f"/w/{practice.workspace_id}/flags"))
    resolved = v.get(f"/w/{practice.workspace_id}/flags", params={"status": "resolved"})
    assert "fixed the sign" in text_of(resolved) and ">Reopen</button>" in resolved.text
    assert v.post(path, {"status": "open", "back": "resolved"}).status_code == 303
    flag = _flag(practice, room.flag_id)
    assert flag["status"] == "open" and flag["resolved_by"] is None and flag["resolution_note"] == "fixed the sign"
    assert v.post(path, {"status": "dismissed"}).status_code == 303
    assert _flag(practice, room.flag_id)["status"] == "dismissed"
    assert "Dismissed" in text_of(v.get(f"/w/{practice.workspace_id}/flags", params={"status": "any"}))


def test_a_refused_triage_keeps_the_note_and_names_it(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/flags/{room.flag_id}"
    refused = v.post(path, {"status": "resolved", "resolution_note": "x" * 2001})
    assert refused.status_code == 422 and f'id="note-{room.flag_id}-error"' in refused.text
    assert "x" * 2001 in refused.text
    no_action = v.post(path, {"resolution_note": "why"})
    assert no_action.status_code == 422 and "Choose Resolve, Dismiss or Reopen" in text_of(no_action)
    assert _flag(practice, room.flag_id)["status"] == "open"


def test_flags_are_for_staff_and_bad_ids_are_not_found(browser_of, practice):
    room = classroom(practice)
    assert browser_of(practice.student).get(f"/w/{practice.workspace_id}/flags").status_code == 403
    student = browser_of(practice.student)
    assert student.post(f"/w/{practice.workspace_id}/flags/{room.flag_id}", {"status": "dismissed"}).status_code == 403
    v = browser_of(practice.tutor)
    assert v.post(f"/w/{practice.workspace_id}/flags/{uuid.uuid4()}", {"status": "resolved"}).status_code == 404
    assert v.post(f"/w/{practice.workspace_id}/flags/nope", {"status": "resolved"}).status_code == 404
    assert v.get(f"/w/{practice.workspace_id}/flags", params={"status": "lost"}).status_code == 422
    assert _flag(practice, room.flag_id)["status"] == "open"


def test_no_filter_or_note_answers_a_server_error(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    text = st.text(max_size=60)

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(status=text, cursor=text, note=text, action=st.sampled_from(["resolved", "dismissed", "open", "", "x"]))
    def check(status, cursor, note, action):
        assert v.get(f"/w/{practice.workspace_id}/flags", params={"status": status, "cursor": cursor}).status_code < 500
        posted = v.post(f"/w/{practice.workspace_id}/flags/{room.flag_id}",
                        {"status": action, "resolution_note": note, "back": status})
        assert posted.status_code < 500

    check()
