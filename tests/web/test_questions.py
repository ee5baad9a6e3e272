"""The question bank's pages: search with keyset pages, the editor and its live preview with the answer checker, the
question's page (status, delete, flags), its history with word diffs, and import / export of documents."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import text_of


def _question(practice, prompt: str = "Factorise $x^2+x-6$", **fields) -> dict:
    body = {"prompt_latex": prompt, "answer_type": "expression",
            "answer_spec": {"type": "expression", "value": "(x-2)(x+3)", "required_form": "factored"}} | fields
    response = practice.tutor.http.post(practice.path("/questions"), json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _topic(practice, name: str) -> str:
    response = practice.tutor.http.post(practice.path("/topics"), json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _editor_form(topic_id: str = "", **changes) -> dict:
    return {"prompt_latex": "Expand $(x+1)^2$", "topic_id": topic_id, "answer_type": "expression",
            "answer_spec.value": "x^2+2x+1", "answer_spec.required_form": "expanded", "answer_spec.variables": "x",
            "answer_spec.tolerance_abs": "", "answer_spec_json": "", "hints": "Use $(a+b)^2$\nMultiply out",
            "solution_latex": "$$x^2+2x+1$$", "difficulty": "2", "tags": "Algebra, squares", "status": "draft",
            "try_answer": ""} | changes


# ---------------------------------------------------------------- the bank
def test_bank_lists_and_searches_for_staff_only(browser_of, practice):
    algebra = _topic(practice, "Algebra")
    _question(practice, "Factorise $x^2+x-6$", topic_id=algebra, tags=["quadratics"], difficulty=4)
    _question(practice, "Solve $2x = 4$ for x", answer_spec={"type": "expression", "value": "2"}, status="active")
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions"

    listing = tutor.get(base)
    assert listing.status_code == 200
    assert "Factorise" in text_of(listing) and "Solve" in text_of(listing)
    assert "<math" in listing.text  # prompts rendered with the inline filter
    assert f'href="{base}/new"' in listing.text and ">New question<" in listing.text
    assert f'href="{base}?origin=ai_generated&amp;status=draft"' in listing.text  # drafts to approve

    by_text = tutor.get(base, params={"q": "factorise"})
    assert "Factorise" in text_of(by_text) and "Solve" not in text_of(by_text)
    assert 'value="factorise"' in by_text.text  # the search is kept in the form
    by_topic = text_of(tutor.get(base, params={"topic_id": algebra, "status": "", "origin": ""}))
    assert "Factorise" in by_topic and "Solve" not in by_topic and "Algebra" in by_topic
    by_status = text_of(tutor.get(base, params={"status": "active"}))
    assert "Solve" in by_status and "Factorise" not in by_status
    by_tag = text_of(tutor.get(base, params={"tags": "Quadratics"}))
    assert "Factorise" in by_tag and "Solve" not in by_tag
    by_difficulty = text_of(tutor.get(base, params={"difficulty_min": "4", "difficulty_max": "5"}))
    assert "Factorise" in by_difficulty and "Solve" not in by_difficulty

    assert browser_of(practice.student).get(base).status_code == 403
    assert browser_of(practice.outsider).get(base).status_code == 404


def test_bank_pages_with_next_and_first_page_links(browser_of, practice):
    for n in range(27):
        _question(practice, f"Question number {n}", answer_spec={"type": "expression", "value": str(n + 1)})
    tutor = browser_of(practice.tutor)
    first = tutor.get(f"/w/{practice.workspace_id}/questions", params={"q": "question"})
    assert "Question number 26" in text_of(first) and "Question number 1 " not in text_of(first) + " "
    assert "Next page" in text_of(first) and "First page" not in text_of(first)
    next_href = first.text.split('">Next page')[0].rsplit('href="', 1)[1].replace("&amp;", "&")
    assert "q=question" in next_href  # the filters travel with the cursor
    second = tutor.get(next_href)
    assert second.status_code == 200
    assert "Question number 1 " in text_of(second) + " " and "Question number 0" in text_of(second)
    assert "Question number 26" not in text_of(second)
    assert "First page" in text_of(second) and "Next page" not in text_of(second)


def test_bad_filters_mark_the_field_instead_of_failing(browser_of, practice):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions"
    for params, field in (({"topic_id": "not-a-uuid"}, "topic_id"), ({"difficulty_min": "9"}, "difficulty_min"),
                          ({"difficulty_min": "4", "difficulty_max": "2"}, "difficulty_min"),
                          ({"status": "gone"}, "status"), ({"origin": "moon"}, "origin"), ({"q": "a\x00b"}, "q")):
        response = tutor.get(base, params=params)
        assert response.status_code == 422, params
        assert f'id="{field}-error"' in response.text, params
    stale = tutor.get(base, params={"cursor": "garbage"})
    assert stale.status_code == 422 and "first page" in text_of(stale)


def _signed_in_once(browser_of, practice):
    """The tutor's browser, signed in once for all of a hypothesis test's examples (the fixtures are shared)."""
    if not hasattr(practice, "tutor_browser"):
        practice.tutor_browser = browser_of(practice.tutor)
    return practice.tutor_browser


_QUERY_KEYS = st.sampled_from(["q", "topic_id", "status", "difficulty_min", "difficulty_max", "origin", "tags", "tag",
                               "cursor", "limit", "other"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_QUERY_KEYS, st.text(max_size=40)), max_size=6))
def test_no_query_string_breaks_the_bank(browser_of, practice, pairs):
    tutor = _signed_in_once(browser_of, practice)
    for path in ("/questions", "/questions/export"):
        response = tutor.get(f"/w/{practice.workspace_id}{path}", params=pairs)
        assert response.status_code < 500, (pairs, response.text[:500])


# ---------------------------------------------------------------- the editor
def test_new_question_is_saved_and_shown_rendered(browser_of, practice):
    algebra = _topic(practice, "Algebra")
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions"
    editor = tutor.get(f"{base}/new")
    assert editor.status_code == 200
    for label in ("Prompt", "Topic", "Answer type", "Correct answer", "Required form", "Hints (one per line)",
                  "Solution", "Status", "Try an answer", "Answer specification (JSON)"):
        assert f">{label}</label>" in editor.text or f">{label} <span" in editor.text, label
    assert 'id="question-preview"' in editor.text and 'id="checker-preview"' in editor.text
    assert 'value="expression"' in editor.text and "Save question" in editor.text

    saved = tutor.post(f"{base}/new", _editor_form(algebra))
    assert saved.status_code == 303, text_of(saved)
    question_id = saved.headers["location"].rsplit("/", 1)[1]
    stored = practice.tutor.http.get(practice.path(f"/questions/{question_id}")).json()
    assert stored["prompt_latex"] == "Expand $(x+1)^2$" and stored["topic_id"] == algebra
    assert stored["answer_spec"]["value"] == "x^2+2x+1" and stored["answer_spec"]["required_form"] == "expanded"
    assert stored["answer_spec"]["variables"] == ["x"]
    assert stored["hints"] == ["Use $(a+b)^2$", "Multiply out"] and stored["difficulty"] == 2
    assert stored["tags"] == ["algebra", "squares"]
    shown = tutor.get(saved.headers["location"])
    assert shown.status_code == 200 and "<math" in shown.text and "Multiply out" in text_of(shown)
    assert "Algebra" in text_of(shown) and "expanded" in text_of(shown)


def test_refused_editor_keeps_everything_and_names_the_fields(browser_of, practice):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions"
    refused = tutor.post(f"{base}/new", _editor_form(**{"prompt_latex": "", "answer_spec.value": "x+*",
                                                        "hints": "Keep this hint"}))
    assert refused.status_code == 422
    assert 'id="prompt_latex-error"' in refused.text and "required" in refused.text
    assert 'id="answer_spec.value-error"' in refused.text  # every problem named at once
    assert "Keep this hint" in refused.text and 'value="algebra, squares"' not in refused.text
    assert 'value="Algebra, squares"' in refused.text and 'value="x+*"' in refused.text
    # the spec is judged by the service once the prompt is given: its error lands beside "Correct answer"
    refused = tutor.post(f"{base}/new", _editor_form(**{"answer_spec.value": "x+*"}))
    assert refused.status_code == 422 and 'id="answer_spec.value-error"' in refused.text
    unknown_topic = tutor.post(f"{base}/new", _editor_form(str(uuid.uuid4())))
    assert unknown_topic.status_code == 422 and 'id="topic_id-error"' in unknown_topic.text
    bad_json = tutor.post(f"{base}/new", _editor_form(answer_type="set", answer_spec_json="{nope"))
    assert bad_json.status_code == 422 and 'id="answer_spec_json-error"' in bad_json.text
    assert "{nope" in bad_json.text
    listed = practice.tutor.http.get(practice.path("/questions")).json()["items"]
    assert listed == []


def test_json_specification_for_any_answer_type(browser_of, practice):
    tutor = browser_of(practice.tutor)
    spec = '{"elements": ["-3", "2"]}'
    saved = tutor.post(f"/w/{practice.workspace_id}/questions/new",
                       _editor_form(answer_type="set", answer_spec_json=spec, prompt_latex="Solve $x^2+x=6$"))
    assert saved.status_code == 303, text_of(saved)
    question_id = saved.headers["location"].rsplit("/", 1)[1]
    stored = practice.tutor.http.get(practice.path(f"/questions/{question_id}")).json()
    assert stored["answer_type"] == "set" and stored["answer_spec"]["elements"] == ["-3", "2"]
    editor = tutor.get(f"/w/{practice.workspace_id}/questions/{question_id}/edit")
    assert "&#34;elements&#34;" in editor.text or "&quot;elements&quot;" in editor.text


def test_edit_saves_a_new_version_and_history_shows_the_words_changed(browser_of, practice):
    question = _question(practice, "Factorise $x^2+x-6$\ncompletely")
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions/{question['id']}"
    editor = tutor.get(f"{base}/edit")
    assert editor.status_code == 200 and "Factorise $x^2+x-6$\ncompletely" in editor.text
    assert 'value="(x-2)(x+3)"' in editor.text
    as_browsers_send = {k: v.replace("\n", "\r\n") for k, v in _form_from(editor.text).items()}
    unchanged = tutor.post(f"{base}/edit", as_browsers_send)
    assert unchanged.status_code == 303
    assert practice.tutor.http.get(practice.path(f"/questions/{question['id']}")).json()["version"] == 1

    edited = tutor.post(f"{base}/edit", _form_from(editor.text) | {"prompt_latex": "Factorise $x^2+x-6$ fully"})
    assert edited.status_code == 303 and edited.headers["location"] == base
    stored = practice.tutor.http.get(practice.path(f"/questions/{question['id']}")).json()
    assert stored["prompt_latex"] == "Factorise $x^2+x-6$ fully" and stored["version"] == 2

    history = tutor.get(f"{base}/history")
    assert history.status_code == 200
    assert "[removed] </span>" in history.text and "completely</del>" in history.text
    assert "[added] </span> fully</ins>" in history.text and "Version 2" in text_of(history)
    assert '<th scope="col">Before</th>' in history.text
    refused = tutor.post(f"{base}/edit", _form_from(editor.text) | {"difficulty": "9"})
    assert refused.status_code == 422 and 'id="difficulty-error"' in refused.text


def _form_from(html: str) -> dict:
    """The editor's fields with the values the page shows (what a browser would submit unchanged)."""
    import re
    from html import unescape
    values = {}
    for name, value in re.findall(r'<input id="[^"]*" name="([^"]+)" type="text" value="([^"]*)"', html):
        values[name] = unescape(value)
    for name, value in re.findall(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = unescape(value)
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = unescape(chosen.group(1)) if chosen else ""
    return values


def test_live_preview_renders_and_grades_a_tried_answer(browser_of, practice):
    tutor = browser_of(practice.tutor)
    preview = f"/w/{practice.workspace_id}/questions/preview"
    headers = {"HX-Request": "true"}
    correct = tutor.post(preview, _editor_form(try_answer="(x+1)^2"), headers=headers)
    assert correct.status_code == 200
    assert "<math" in correct.text and "Multiply out" in text_of(correct)
    checker = correct.text.split('id="checker-preview"', 1)[1]
    assert "Interpreted as" in checker and "<math" in checker
    assert "Incorrect" in text_of(correct)  # (x+1)^2 is not in the expanded form asked for
    right = tutor.post(preview, _editor_form(try_answer="x^2+2x+1"), headers=headers)
    assert ">Correct<" in right.text
    unreadable = tutor.post(preview, _editor_form(try_answer="x+*"), headers=headers)
    assert "Not understood" in text_of(unreadable)
    broken = tutor.post(preview, _editor_form(**{"answer_spec.value": "", "prompt_latex": ""}), headers=headers)
    assert broken.status_code == 200
    assert "Prompt:" in text_of(broken) and "Correct answer:" in text_of(broken)
    assert tutor.post(preview, _editor_form(), csrf=False).status_code == 403


_EDITOR_FIELDS = ["prompt_latex", "topic_id", "answer_type", "answer_spec.value", "answer_spec.required_form",
                  "answer_spec.variables", "answer_spec.tolerance_abs", "answer_spec_json", "hints", "solution_latex",
                  "difficulty", "tags", "status", "try_answer", "extra"]
_EDITOR_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["expression", "number", "set", "multiple_choice", "x^2", "1e309", "-0", "nan", "[]", "{}",
                     '{"type": "number", "value": "1e999999"}', '{"elements": [1]}', "null", "\\frac{1}{0}",
                     "$x$", "factored", "archived", "99", str(uuid.uuid4())]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(_EDITOR_FIELDS), _EDITOR_VALUES, max_size=8))
def test_no_editor_input_breaks_the_preview_or_the_save(browser_of, practice, fields):
    tutor = _signed_in_once(browser_of, practice)
    base = f"/w/{practice.workspace_id}/questions"
    preview = tutor.post(f"{base}/preview", _editor_form() | fields, headers={"HX-Request": "true"})
    assert preview.status_code == 200, (fields, preview.text[:500])
    saved = tutor.post(f"{base}/new", _editor_form() | fields)
    assert saved.status_code in (303, 422), (fields, saved.text[:500])


# ---------------------------------------------------------------- the question page
def test_status_change_delete_and_flags(browser_of, practice):
    question = _question(practice)
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions/{question['id']}"
    page = tutor.get(base)
    assert page.status_code == 200 and "No flags on this question" in text_of(page)
    assert f'href="/w/{practice.workspace_id}/flags?question_id={question["id"]}"' in page.text
    assert "data-confirm" in page.text

    assert tutor.post(f"{base}/status", {"status": "active"}).status_code == 303
    assert practice.tutor.http.get(practice.path(f"/questions/{question['id']}")).json()["status"] == "active"
    refused = tutor.post(f"{base}/status", {"status": "draft"})
    assert refused.status_code == 409 and "cannot go from active to draft" in text_of(refused)
    assert tutor.post(f"{base}/status", {"status": "nonsense"}).status_code == 422
    not_deleted = tutor.post(f"{base}/delete")
    assert not_deleted.status_code == 409 and "archive it instead" in text_of(not_deleted)

    flagged = practice.student.http.post(practice.path(f"/questions/{question['id']}/flags"),
                                         json={"reason": "typo", "comment": "Factorize is spelt oddly"})
    assert flagged.status_code == 201, flagged.text
    assert "Factorize is spelt oddly" in text_of(tutor.get(base))

    assert "Hide from students" in text_of(tutor.get(base))
    assert tutor.post(f"{base}/visibility", {"hidden": "true"}).status_code == 303
    assert practice.student.http.get(practice.path(f"/questions/{question['id']}")).status_code == 404
    assert "Show to students again" in text_of(tutor.get(base))
    assert tutor.post(f"{base}/visibility", {"hidden": "maybe"}).status_code == 422
    assert tutor.post(f"{base}/visibility", {"hidden": "false"}).status_code == 303
    assert practice.student.http.get(practice.path(f"/questions/{question['id']}")).status_code == 200
    student = browser_of(practice.student)
    assert student.post(f"{base}/visibility", {"hidden": "true"}).status_code == 403
    assert student.post(f"/w/{practice.workspace_id}/questions/new", _editor_form()).status_code == 403

    draft = _question(practice, "A draft to delete", answer_spec={"type": "expression", "value": "1"})
    deleted = tutor.post(f"/w/{practice.workspace_id}/questions/{draft['id']}/delete")
    assert deleted.status_code == 303
    assert practice.tutor.http.get(practice.path(f"/questions/{draft['id']}")).status_code == 404


def test_question_pages_of_unknown_ids_are_not_found(browser_of, practice):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/questions"
    for path in (f"{base}/{uuid.uuid4()}", f"{base}/{uuid.uuid4()}/edit", f"{base}/{uuid.uuid4()}/history",
                 f"{base}/not-an-id", f"{base}/not-an-id/history"):
        response = tutor.get(path)
        assert response.status_code == 404 and "text/html" in response.headers["content-type"], path
    other = _question(practice)
    assert browser_of(practice.student).get(f"{base}/{other['id']}").status_code == 403


# ---------------------------------------------------------------- import and export
def test_export_downloads_the_search_and_import_takes_it_back(browser_of, practice, people):
    _question(practice, "Exported one", tags=["keep"])
    _question(practice, "Not exported", answer_spec={"type": "expression", "value": "5"})
    tutor = browser_of(practice.tutor)
    exported = tutor.get(f"/w/{practice.workspace_id}/questions/export", params={"tags": "keep"})
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith("attachment")
    document = json.loads(exported.content)
    assert document["format"] == "tutorassist.questions.v1"
    assert [q["prompt_latex"] for q in document["questions"]] == ["Exported one"]

    # into another workspace of the same tutor
    other = practice.tutor.http.post("/workspaces", json={"name": "Second"}).json()["id"]
    importer = browser_of(practice.tutor)
    assert importer.get(f"/w/{other}/questions/import").status_code == 200
    imported = importer.http.post(f"/w/{other}/questions/import", data={"csrf_token": importer.csrf},
                                  files={"file": ("questions.json", exported.content, "application/json")})
    assert imported.status_code == 201, text_of(imported)
    assert "Imported 1 question" in text_of(imported)
    listed = practice.tutor.http.get(f"/workspaces/{other}/questions").json()["items"]
    assert [q["prompt_latex"] for q in listed] == ["Exported one"]
    again = importer.http.post(f"/w/{other}/questions/import", data={"csrf_token": importer.csrf},
                               files={"file": ("questions.json", exported.content, "application/json")})
    assert again.status_code == 201 and "skipped 1" in text_of(again)


def test_a_bad_import_file_is_refused_with_each_problem_listed(browser_of, practice):
    tutor = browser_of(practice.tutor)
    url = f"/w/{practice.workspace_id}/questions/import"

    def upload(content: bytes):
        return tutor.http.post(url, data={"csrf_token": tutor.csrf},
                               files={"file": ("questions.json", content, "application/json")})

    not_json = upload(b"this is not json")
    assert not_json.status_code == 422 and "not valid JSON" in text_of(not_json)
    document = {"format": "tutorassist.questions.v1", "questions": [
        {"prompt_latex": "Fine", "answer_type": "expression", "answer_spec": {"type": "expression", "value": "1"}},
        {"prompt_latex": "", "answer_type": "expression", "answer_spec": {"type": "expression", "value": "2"}},
        {"prompt_latex": "Bad", "answer_type": "expression", "answer_spec": {"type": "expression", "value": "x+*"}}]}
    invalid = upload(json.dumps(document).encode())
    assert invalid.status_code == 422
    assert "Question 2: prompt_latex" in text_of(invalid) and "Question 3: answer_spec.value" in text_of(invalid)
    no_file = tutor.post(url, {})
    assert no_file.status_code == 422 and 'id="file-error"' in no_file.text
    assert practice.tutor.http.get(practice.path("/questions")).json()["items"] == []
