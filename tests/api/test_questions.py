"""Questions over HTTP: create, read, edit, status rules, delete, history, roles, tenant isolation, bad input."""

from __future__ import annotations

import uuid

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Practice
from tests.api.helpers import fields, problem

# ---------------------------------------------------------------- helpers shared with the search and transfer tests


def question_body(**overrides) -> dict:
    return {"prompt_latex": "Solve $2x + 3 = 7$ for $x$.", "answer_type": "number",
            "answer_spec": {"type": "number", "value": "2"}} | overrides


def create(person, ws: str, **overrides) -> dict:
    response = person.http.post(f"/workspaces/{ws}/questions", json=question_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()


def topic(owner, ws, name: str, parent=None) -> str:
    return str(owner.execute("INSERT INTO topics (workspace_id, parent_id, name) VALUES (%s, %s, %s) RETURNING id",
                             (ws, parent, name)).fetchone()[0])


def program_with_grades(owner) -> tuple[str, list[str]]:
    program = owner.execute("INSERT INTO study_programs (code, name) VALUES (%s, 'Test program') RETURNING id",
                            (f"T-{uuid.uuid4().hex[:8]}",)).fetchone()[0]
    grades = [owner.execute("INSERT INTO grade_levels (program_id, code, name) VALUES (%s, %s, %s) RETURNING id",
                            (program, code, code)).fetchone()[0] for code in ("Y10", "Y11")]
    return str(program), [str(g) for g in grades]


def count_questions(owner, ws) -> int:
    return owner.execute("SELECT count(*) FROM questions WHERE workspace_id = %s", (ws,)).fetchone()[0]


# ---------------------------------------------------------------- CRUD and history
def test_create_read_edit_and_history(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    algebra = topic(owner, ws, "Algebra")
    program, grades = program_with_grades(owner)
    q = create(tutor, ws, prompt_latex=r"Solve $\frac{x}{2} = 4$ in \textbf{one} step", hints=["Multiply", r"$x = 2 \cdot 4$"],
               solution_latex=r"$x = 8$", difficulty=2, tags=["  Algebra ", "LINEAR", "algebra", "fractions"],
               topic_id=algebra, program_ids=[program, program], grade_level_ids=[grades[0]],
               curriculum={"codes": ["CCSS.8.EE.7"]}, answer_spec={"type": "number", "value": "8"})
    assert q["tags"] == ["algebra", "linear", "fractions"]
    assert q["prompt_text"] == "Solve x/2 = 4 in one step"
    assert q["status"] == "draft" and q["origin"] == "manual" and q["version"] == 1
    assert q["program_ids"] == [program] and q["grade_level_ids"] == [grades[0]]
    assert q["hints"] == ["Multiply", r"$x = 2 \cdot 4$"] and q["created_by"] == str(tutor.id)
    assert tutor.http.get(practice.path(f"/questions/{q['id']}")).json() == q

    edit = tutor.http.patch(practice.path(f"/questions/{q['id']}"), json={
        "prompt_latex": r"Solve $\frac{x}{3} = 4$", "answer_spec": {"type": "number", "value": "12"}, "difficulty": 3,
        "grade_level_ids": grades, "program_ids": [], "topic_id": None})
    assert edit.status_code == 200, edit.text
    edited = edit.json()
    assert edited["version"] == 2 and edited["prompt_text"] == "Solve x/3 = 4" and edited["topic_id"] is None
    assert edited["program_ids"] == [] and sorted(edited["grade_level_ids"]) == sorted(grades)
    assert edited["tags"] == q["tags"] and edited["hints"] == q["hints"]  # untouched fields stay
    # Changing the answer type alone must fit the stored spec.
    mismatch = problem(tutor.http.patch(practice.path(f"/questions/{q['id']}"), json={"answer_type": "expression"}), 422)
    assert fields(mismatch) == {"answer_spec.type"}
    switched = tutor.http.patch(practice.path(f"/questions/{q['id']}"), json={
        "answer_type": "expression", "answer_spec": {"type": "expression", "value": "12"}})
    assert switched.status_code == 200 and switched.json()["version"] == 3
    assert tutor.http.patch(practice.path(f"/questions/{q['id']}"), json={}).json()["version"] == 3  # no-op: no version

    history = tutor.http.get(practice.path(f"/questions/{q['id']}/history")).json()
    assert [h["question_version"] for h in history] == [3, 2, 1]
    assert [h["change_type"] for h in history] == ["edited", "edited", "created"]
    assert history[1]["old_values"]["difficulty"] == 2 and history[1]["new_values"]["difficulty"] == 3
    assert history[1]["changed_by"] == str(tutor.id) and history[2]["old_values"] is None
    for nulled in ("prompt_latex", "status", "tags", "program_ids"):
        assert fields(problem(tutor.http.patch(practice.path(f"/questions/{q['id']}"), json={nulled: None}), 422)) == {nulled}


def test_answer_spec_references_and_origin_are_validated_with_nothing_created(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    url = practice.path("/questions")
    cases = [
        (question_body(answer_spec={"type": "expression", "value": "2"}), {"answer_spec.type"}),
        (question_body(answer_spec={"value": "2"}), {"answer_spec.type"}),
        (question_body(answer_spec={"type": "number", "value": "two"}), {"answer_spec.value"}),
        (question_body(answer_spec={"type": "number", "value": "2", "colour": "red"}), {"answer_spec.colour"}),
        (question_body(answer_type="multiple_choice", answer_spec={
            "type": "multiple_choice", "choices": [{"id": "a", "latex": "1"}, {"id": "b", "latex": "2"}],
            "correct_ids": ["c"]}), {"answer_spec"}),
        (question_body(answer_spec="2"), {"answer_spec"}),
        (question_body(origin="ai_generated"), {"origin"}),
        (question_body(program_ids=[str(uuid.uuid4())]), {"program_ids.0"}),
        (question_body(grade_level_ids=[str(uuid.uuid4())]), {"grade_level_ids.0"}),
        (question_body(topic_id=str(uuid.uuid4())), {"topic_id"}),
        (question_body(difficulty=6), {"difficulty"}),
        (question_body(difficulty="3"), {"difficulty"}),
        (question_body(tags=[f"t{i}" for i in range(31)]), {"tags"}),
        (question_body(tags=["x" * 51]), {"tags"}),
        (question_body(tags=[" "]), {"tags"}),
        (question_body(status="published"), {"status"}),
        (question_body(hints=[""]), {"hints.0"}),
    ]
    for body, expected in cases:
        found = problem(tutor.http.post(url, json=body), 422)
        assert fields(found) == expected, (body, found)
    assert "ai_generated" in problem(tutor.http.post(url, json=question_body(origin="ai_generated")), 422)["detail"]
    assert count_questions(owner, ws) == 0
    assert create(tutor, ws, origin="imported", status="active")["origin"] == "imported"


BAD_INPUT = [
    ({"prompt_latex": "a\x00b"}, "prompt_latex"),
    ({"solution_latex": "\x00"}, "solution_latex"),
    ({"hints": ["ok", "no\x00"]}, "hints"),
    ({"tags": ["a\x00"]}, "tags"),
    ({"answer_spec": {"type": "number", "value": "2\x00"}}, "answer_spec.value"),
    ({"curriculum": {"code\x00": "x"}}, "curriculum"),
    ({"curriculum": {"a": [{"b": "\x00"}]}}, "curriculum.a.0.b"),
    ({"curriculum": {"a": "x" * 30000}}, "curriculum"),
    ({"prompt_latex": "x" * 20001}, "prompt_latex"),
    ({"prompt_latex": "   "}, "prompt_latex"),
    ({"prompt_latex": 5}, "prompt_latex"),
    ({"hints": "not a list"}, "hints"),
    ({"program_ids": ["not-a-uuid"]}, "program_ids.0"),
    ({"topic_id": 12}, "topic_id"),
    ({"answer_type": "essay"}, "answer_type"),
    ({"curriculum": []}, "curriculum"),
    ({"surprise": 1}, "surprise"),
]


def test_bad_input_is_a_problem_naming_the_field_never_a_server_error(practice: Practice, owner):
    tutor = practice.tutor
    for body, field in BAD_INPUT:
        response = tutor.http.post(practice.path("/questions"), json=question_body(**body))
        assert field in fields(problem(response, 422)), (body, response.text)
    assert count_questions(owner, practice.workspace_id) == 0
    q = create(tutor, practice.workspace_id)
    url = practice.path(f"/questions/{q['id']}")
    assert "answer_spec.value" in fields(problem(tutor.http.patch(url, json={"answer_spec": {"type": "number", "value": "\x00"}}), 422))
    assert "curriculum" in fields(problem(tutor.http.patch(url, json={"curriculum": "x"}), 422))
    problem(tutor.http.post(practice.path("/questions"), content=b"{not json", headers={"content-type": "application/json"}), 422)
    problem(tutor.http.post(practice.path("/questions"), json=[1, 2]), 422)
    problem(tutor.http.get(practice.path("/questions/not-a-uuid")), 422)
    problem(tutor.http.get(practice.path(f"/questions/{uuid.uuid4()}")), 404)
    assert tutor.http.get(url).json()["version"] == 1


# ---------------------------------------------------------------- the checker must understand the correct answer
UNCHECKABLE = [
    ("expression", {"type": "expression", "value": "x+*"}, "answer_spec.value"),
    ("equation", {"type": "equation", "value": "y == 2"}, "answer_spec.value"),
    ("inequality", {"type": "inequality", "value": "x <"}, "answer_spec.value"),
    ("set", {"type": "set", "elements": ["1", "2+", "3"]}, "answer_spec.elements.1"),
    ("list", {"type": "list", "elements": ["(1,", "2"]}, "answer_spec.elements.0"),
    ("interval", {"type": "interval", "value": "(1, *]"}, "answer_spec.value"),
    ("number", {"type": "number", "value": "1e999999"}, "answer_spec.value"),
]
# Pydantic's pattern errors would show the regular expression; the tutor gets words instead.
PATTERNED = [
    ("number", {"type": "number", "value": "two"}, "answer_spec.value", "decimal number"),
    ("interval", {"type": "interval", "value": "1, 3"}, "answer_spec.value", "interval notation"),
    ("equation", {"type": "equation", "value": "y + 2"}, "answer_spec.value", "must contain ="),
    ("expression", {"type": "expression", "value": "x", "variables": ["2x"]}, "answer_spec.variables.0", "a letter"),
    ("multiple_choice", {"type": "multiple_choice", "choices": [{"id": "a b", "latex": "1"}, {"id": "b", "latex": "2"}],
                         "correct_ids": ["b"]}, "answer_spec.choices.0.id", "letters, digits"),
]


def test_a_correct_answer_the_checker_cannot_read_is_refused_on_create_and_edit(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    for answer_type, spec, field in UNCHECKABLE:
        body = problem(tutor.http.post(practice.path("/questions"), json=question_body(
            answer_type=answer_type, answer_spec=spec, status="active")), 422)
        assert fields(body) == {field}, (spec, body)
        assert "could not be parsed" in body["detail"] or "checker" in body["detail"], body
    for answer_type, spec, field, words in PATTERNED:
        body = problem(tutor.http.post(practice.path("/questions"), json=question_body(
            answer_type=answer_type, answer_spec=spec)), 422)
        assert fields(body) == {field} and words in body["detail"], body
        assert "^" not in body["detail"] and "pattern" not in body["detail"], body
    assert count_questions(owner, ws) == 0
    # A value in another form than required_form asks is how a tutor states the target: accepted.
    create(tutor, ws, answer_type="expression", answer_spec={"type": "expression", "value": "x^2-1",
                                                              "required_form": "factored"})

    q = create(tutor, ws, answer_type="expression", answer_spec={"type": "expression", "value": "2x+2"})
    url = practice.path(f"/questions/{q['id']}")
    refused = problem(tutor.http.patch(url, json={"answer_spec": {"type": "expression", "value": "2x+"},
                                                  "status": "active"}), 422)
    assert fields(refused) == {"answer_spec.value"}
    # Changing only the type re-checks the stored spec against the new type.
    assert fields(problem(tutor.http.patch(url, json={"answer_type": "number"}), 422)) == {"answer_spec.type"}
    stored = tutor.http.get(url).json()
    assert stored["answer_spec"]["value"] == "2x+2" and stored["status"] == "draft" and stored["version"] == 1


def test_answer_specs_and_topic_metadata_are_stored_as_their_contracts_dump_them(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    q = create(tutor, ws, answer_spec={"type": "number", "value": "2.50", "tolerance_abs": None, "decimal_places": 2})
    stored = owner.execute("SELECT answer_spec FROM questions WHERE id = %s", (q["id"],)).fetchone()[0]
    assert stored == {"type": "number", "value": "2.50", "decimal_places": 2}  # explicit null left out
    tutor.http.patch(practice.path(f"/questions/{q['id']}"), json={
        "answer_type": "multiple_choice", "answer_spec": {
            "type": "multiple_choice", "choices": [{"id": "a", "latex": "1"}, {"id": "b", "latex": "2"}],
            "correct_ids": ["a"]}}).raise_for_status()
    stored = owner.execute("SELECT answer_spec FROM questions WHERE id = %s", (q["id"],)).fetchone()[0]
    assert stored["allow_multiple"] is False and stored["shuffle"] is True  # defaults written out, as dumped

    prerequisite = tutor.http.post(practice.path("/topics"), json={"name": "Numbers"}).json()["id"]
    upper = prerequisite.upper()  # a uuid in another spelling is stored canonically
    made = tutor.http.post(practice.path("/topics"), json={"name": "Algebra", "metadata": {
        "prerequisites": [upper], "estimated_hours": 3, "difficulty": None}})
    assert made.status_code == 201, made.text
    metadata = owner.execute("SELECT metadata FROM topics WHERE id = %s", (made.json()["id"],)).fetchone()[0]
    assert metadata == {"prerequisites": [prerequisite], "estimated_hours": 3.0}
    assert owner.execute("SELECT jsonb_typeof(metadata->'estimated_hours') FROM topics WHERE id = %s",
                         (made.json()["id"],)).fetchone()[0] == "number"


_TOKENS = st.sampled_from(["2", "-0.5", "6.02e23", "1e999999", "1e-400", "x", "y", "+", "*", "^", "(", ")", "[", "]",
                            "{", "}", ",", "=", "<", "\\le", "\\frac{1}{2}", "\\sqrt{x}", "\\infty", "U", "٣", " "])
_MATH = st.lists(_TOKENS, min_size=1, max_size=6).map("".join)
_ANY = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3), max_leaves=8)


@st.composite
def _answer(draw):
    answer_type = draw(st.sampled_from(["number", "expression", "equation", "inequality", "set", "list", "interval"]))
    spec = {"type": answer_type}
    if answer_type in ("set", "list"):
        spec["elements"] = draw(st.lists(_MATH, max_size=3, unique=True))
    else:
        spec["value"] = draw(_MATH)
    spec |= draw(st.dictionaries(st.sampled_from(["variables", "required_form", "tolerance_abs", "decimal_places",
                                                  "ordered", "colour"]), _ANY, max_size=2))
    return answer_type, spec


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answer=_answer())
def test_random_answer_specs_are_stored_as_dumped_or_refused_naming_the_spec(practice: Practice, owner, answer):
    answer_type, spec = answer
    response = practice.tutor.http.post(practice.path("/questions"), json=question_body(answer_type=answer_type,
                                                                                       answer_spec=spec))
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        body = problem(response, 422)
        assert body["errors"] and all(f.startswith("answer_spec") for f in fields(body)), body
        assert "pattern" not in body["detail"], body
    else:
        stored = owner.execute("SELECT answer_spec FROM questions WHERE id = %s", (response.json()["id"],)).fetchone()[0]
        assert stored == response.json()["answer_spec"] and None not in stored.values()


# ---------------------------------------------------------------- status rules and deletion
def test_status_transitions_follow_explicit_rules(practice: Practice):
    tutor = practice.tutor
    q = create(tutor, practice.workspace_id)
    url = practice.path(f"/questions/{q['id']}")

    def move(to: str) -> httpx.Response:
        return tutor.http.patch(url, json={"status": to})

    assert move("active").json()["status"] == "active"
    assert "from active to draft" in problem(move("draft"), 409)["detail"]
    assert move("archived").json()["status"] == "archived"
    refused = problem(move("draft"), 409)
    assert "from archived to draft" in refused["detail"] and "active" in refused["detail"]
    assert move("active").json()["status"] == "active"
    assert move("active").json()["version"] == 4  # same status: no change, no new version
    other = create(tutor, practice.workspace_id)
    assert tutor.http.patch(practice.path(f"/questions/{other['id']}"), json={"status": "archived"}).json()["status"] == "archived"
    history = tutor.http.get(url + "/history").json()
    assert [h["change_type"] for h in history] == ["status_changed"] * 3 + ["created"]
    assert history[0]["old_values"] == {"status": "archived"} and history[0]["new_values"] == {"status": "active"}


def test_delete_only_unattempted_unassigned_drafts(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    draft = create(tutor, ws)
    assert tutor.http.delete(practice.path(f"/questions/{draft['id']}")).status_code == 204
    problem(tutor.http.get(practice.path(f"/questions/{draft['id']}")), 404)
    problem(tutor.http.delete(practice.path(f"/questions/{draft['id']}")), 404)

    active = create(tutor, ws, status="active")
    assert "archive it instead" in problem(tutor.http.delete(practice.path(f"/questions/{active['id']}")), 409)["detail"]

    attempted = create(tutor, ws)
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                  "VALUES (%s, %s, %s, '2', true, 1)", (ws, practice.student.id, attempted["id"]))
    assert "attempted" in problem(tutor.http.delete(practice.path(f"/questions/{attempted['id']}")), 409)["detail"]

    assigned = create(tutor, ws)
    assignment = owner.execute("INSERT INTO assignments (workspace_id, student_profile_id, title) VALUES (%s, %s, 'H') "
                               "RETURNING id", (ws, practice.student_profile_id)).fetchone()[0]
    owner.execute("INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) VALUES (%s, %s, %s, 0)",
                  (ws, assignment, assigned["id"]))
    assert "assignment" in problem(tutor.http.delete(practice.path(f"/questions/{assigned['id']}")), 409)["detail"]
    assert count_questions(owner, ws) == 3


# ---------------------------------------------------------------- roles
def test_students_and_guardians_see_active_questions_without_answers_and_cannot_write(practice: Practice, people):
    ws, tutor, student = practice.workspace_id, practice.tutor, practice.student
    invite = tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                             json={"role": "guardian", "email": f"parent.{uuid.uuid4().hex[:6]}@example.com"}).json()
    guardian = people("Parent", invite_token=invite["token"], email=invite["email"])
    draft = create(tutor, ws, hints=["secret hint"], solution_latex="secret solution")
    archived = create(tutor, ws, status="archived")
    active = create(tutor, ws, status="active", hints=["secret hint"], solution_latex="secret solution")
    choice = create(tutor, ws, status="active", answer_type="multiple_choice", answer_spec={
        "type": "multiple_choice", "choices": [{"id": "a", "latex": "$2$"}, {"id": "b", "latex": "$3$"}],
        "correct_ids": ["a"]})
    for reader in (student, guardian):
        seen = reader.http.get(practice.path(f"/questions/{active['id']}"))
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert body["prompt_latex"] == active["prompt_latex"]
        assert not {"answer_spec", "solution_latex", "hints", "prompt_text", "times_attempted"} & set(body)
        mc = reader.http.get(practice.path(f"/questions/{choice['id']}")).json()
        assert mc["choices"] == [{"id": "a", "latex": "$2$"}, {"id": "b", "latex": "$3$"}] and "correct_ids" not in str(mc)
        for hidden in (draft, archived):
            problem(reader.http.get(practice.path(f"/questions/{hidden['id']}")), 404)
        listed = reader.http.get(practice.path("/questions"), params={"status": ["draft", "archived", "active"]}).json()
        assert {q["id"] for q in listed["items"]} == {active["id"], choice["id"]}
        assert "secret" not in str(listed)
        assert reader.http.get(practice.path("/questions"), params={"status": "draft"}).json()["items"] == []
        problem(reader.http.post(practice.path("/questions"), json=question_body()), 403)
        problem(reader.http.patch(practice.path(f"/questions/{active['id']}"), json={"difficulty": 1}), 403)
        problem(reader.http.delete(practice.path(f"/questions/{draft['id']}")), 403)
        problem(reader.http.get(practice.path(f"/questions/{active['id']}/history")), 403)
        problem(reader.http.get(practice.path("/questions/export")), 403)
        problem(reader.http.post(practice.path("/questions/import"), json={"format": "tutorassist.questions.v1", "questions": []}), 403)
    staff = tutor.http.get(practice.path("/questions")).json()["items"]
    assert len(staff) == 4 and all("answer_spec" in q for q in staff)
    assert tutor.http.get(practice.path(f"/questions/{draft['id']}")).json()["version"] == 1


# ---------------------------------------------------------------- tenant isolation
def test_outsider_gets_404_everywhere_and_changes_nothing(practice: Practice, owner):
    ws, tutor, outsider = practice.workspace_id, practice.tutor, practice.outsider
    victim_topic = topic(owner, ws, "Victim topic")
    q = create(tutor, ws, topic_id=victim_topic)
    before = tutor.http.get(practice.path(f"/questions/{q['id']}")).json()
    base = practice.path("/questions")
    attempts = [
        outsider.http.get(base), outsider.http.get(f"{base}/{q['id']}"), outsider.http.get(f"{base}/{q['id']}/history"),
        outsider.http.post(base, json=question_body()),
        outsider.http.patch(f"{base}/{q['id']}", json={"prompt_latex": "hacked", "status": "active"}),
        outsider.http.delete(f"{base}/{q['id']}"), outsider.http.get(f"{base}/export"),
        outsider.http.post(f"{base}/import", json={"format": "tutorassist.questions.v1", "questions": [question_body()]}),
    ]
    for response in attempts:
        assert problem(response, 404)["detail"] == "no such workspace"
    assert tutor.http.get(practice.path(f"/questions/{q['id']}")).json() == before
    assert count_questions(owner, ws) == 1

    # From the outsider's own workspace, the victim's ids are refused and nothing is created or changed.
    own = f"/workspaces/{practice.outsider_workspace_id}/questions"
    assert fields(problem(outsider.http.post(own, json=question_body(topic_id=victim_topic)), 422)) == {"topic_id"}
    for response in (outsider.http.get(f"{own}/{q['id']}"), outsider.http.get(f"{own}/{q['id']}/history"),
                     outsider.http.patch(f"{own}/{q['id']}", json={"difficulty": 1}), outsider.http.delete(f"{own}/{q['id']}")):
        assert problem(response, 404)["detail"] == "no such question"
    mine = create(outsider, practice.outsider_workspace_id)
    assert fields(problem(outsider.http.patch(f"{own}/{mine['id']}", json={"topic_id": victim_topic}), 422)) == {"topic_id"}
    assert outsider.http.get(own, params={"topic_id": victim_topic}).json()["items"] == []
    assert count_questions(owner, practice.outsider_workspace_id) == 1
    assert tutor.http.get(practice.path(f"/questions/{q['id']}")).json() == before
    # A signed-out caller is 401, never data.
    with httpx.Client(base_url=str(tutor.http.base_url)) as anonymous:
        problem(anonymous.get(base), 401)
