"""Searching questions: every filter against a small bank with known answers, topic subtrees, full text, keyset
paging that stays exact while questions are added, and invalid parameters as problem+json naming the parameter."""

from __future__ import annotations

from tests.api.conftest import Practice
from tests.api.helpers import fields, problem
from tests.api.test_questions import create, program_with_grades, topic


def _bank(practice: Practice, owner) -> dict:
    """Eight questions with known attributes, filed under Algebra > Linear > Two-step, and Geometry."""
    ws, tutor = practice.workspace_id, practice.tutor
    algebra = topic(owner, ws, "Algebra")
    linear = topic(owner, ws, "Linear", algebra)
    two_step = topic(owner, ws, "Two-step", linear)
    geometry = topic(owner, ws, "Geometry")
    program, (y10, y11) = program_with_grades(owner)
    specs = {
        "a1": dict(topic_id=algebra, difficulty=1, tags=["warmup"], status="active", prompt_latex=r"Expand $(x+1)^2$"),
        "l2": dict(topic_id=linear, difficulty=2, tags=["warmup", "linear"], status="active", program_ids=[program],
                   grade_level_ids=[y10], prompt_latex=r"Solve $3x = 12$ using \textbf{division}"),
        "l4": dict(topic_id=linear, difficulty=4, tags=["linear"], status="draft", program_ids=[program],
                   grade_level_ids=[y11], prompt_latex=r"Solve $\frac{x}{4} + 1 = 3$"),
        "t3": dict(topic_id=two_step, difficulty=3, tags=["linear", "exam"], status="active", origin="imported",
                   program_ids=[program], grade_level_ids=[y10, y11], prompt_latex=r"Solve $2x + 3 = 7$",
                   solution_latex=r"Subtract three then halve: \(x = 2\)"),
        "t5": dict(topic_id=two_step, difficulty=5, tags=["exam"], status="archived", prompt_latex=r"Solve $5x - 2 = 3x$"),
        "g2": dict(topic_id=geometry, difficulty=2, tags=["exam", "triangles"], status="active",
                   prompt_latex=r"Find the area of the \text{triangle} with base $4$ and height $3$"),
        "g3": dict(topic_id=geometry, difficulty=3, tags=["triangles"], status="draft", origin="imported",
                   prompt_latex=r"Find the hypotenuse of a right triangle with legs $\sqrt{9}$ and $4$"),
        "n1": dict(difficulty=1, tags=[], status="active", prompt_latex=r"What is $\pi$ to two decimal places?"),
    }
    ids = {name: create(tutor, ws, **spec)["id"] for name, spec in specs.items()}
    return {"ids": ids, "names": {v: k for k, v in ids.items()}, "algebra": algebra, "linear": linear,
            "two_step": two_step, "geometry": geometry, "program": program, "y10": y10, "y11": y11}


def test_filters_combine_and_topic_filter_covers_the_subtree(practice: Practice, owner):
    bank = _bank(practice, owner)
    tutor, url = practice.tutor, practice.path("/questions")

    def names(**params) -> set[str]:
        response = tutor.http.get(url, params=params | {"limit": 200})
        assert response.status_code == 200, response.text
        return {bank["names"][q["id"]] for q in response.json()["items"]}

    assert names() == set(bank["ids"])
    assert names(topic_id=bank["algebra"]) == {"a1", "l2", "l4", "t3", "t5"}
    assert names(topic_id=bank["linear"]) == {"l2", "l4", "t3", "t5"}
    assert names(topic_id=bank["two_step"]) == {"t3", "t5"}
    assert names(topic_id=bank["geometry"]) == {"g2", "g3"}
    assert names(difficulty_min=2, difficulty_max=3) == {"l2", "t3", "g2", "g3"}
    assert names(difficulty_min=4) == {"l4", "t5"}
    assert names(status="active") == {"a1", "l2", "t3", "g2", "n1"}
    assert names(status=["draft", "archived"]) == {"l4", "t5", "g3"}
    assert names(origin="imported") == {"t3", "g3"}
    assert names(tag="linear") == {"l2", "l4", "t3"}
    assert names(tag=["Linear ", "EXAM"]) == {"t3"}  # all tags must match; normalised like stored tags
    assert names(tag=["exam", "triangles"]) == {"g2"}
    assert names(program_id=bank["program"]) == {"l2", "l4", "t3"}
    assert names(grade_level_id=bank["y11"]) == {"l4", "t3"}
    assert names(q="solve") == {"l2", "l4", "t3", "t5"}
    assert names(q="division") == {"l2"}  # from \textbf{division}: prompt_text is plain text
    assert names(q="triangle") == {"g2", "g3"}
    assert names(q="halve") == {"t3"}  # the solution is searched too
    assert names(q='solve -division') == {"l4", "t3", "t5"}  # web search syntax
    assert names(topic_id=bank["algebra"], status="active", difficulty_max=2) == {"a1", "l2"}
    assert names(topic_id=bank["linear"], tag="exam", grade_level_id=bank["y10"], q="solve") == {"t3"}
    assert names(topic_id=bank["geometry"], tag="linear") == set()
    assert names(program_id=bank["program"], status="active", origin="manual") == {"l2"}
    # Students only ever see active questions, whatever they ask for.
    student = practice.student.http.get(url, params={"status": ["draft", "archived", "active"], "limit": 200}).json()
    assert {bank["names"][q["id"]] for q in student["items"]} == {"a1", "l2", "t3", "g2", "n1"}
    assert practice.student.http.get(url, params={"q": "hypotenuse"}).json()["items"] == []


def test_paging_returns_every_row_exactly_once_while_questions_are_added(practice: Practice, owner):
    ws, tutor, url = practice.workspace_id, practice.tutor, practice.path("/questions")
    originals = [create(tutor, ws, prompt_latex=f"Question {n}", difficulty=1 + n % 5)["id"] for n in range(7)]
    # Two questions with the same created_at (one transaction), so the id tie-break is exercised.
    owner.execute("BEGIN")
    for n in range(2):
        owner.execute("INSERT INTO questions (workspace_id, prompt_latex, prompt_text, answer_type, answer_spec) "
                      "VALUES (%s, %s, %s, 'number', '{\"type\": \"number\", \"value\": \"1\"}')", (ws, f"Same {n}", f"Same {n}"))
    owner.execute("COMMIT")
    expected = tutor.http.get(url, params={"limit": 200}).json()["items"]
    assert len(expected) == 9
    assert [q["created_at"] for q in expected] == sorted((q["created_at"] for q in expected), reverse=True)

    seen: list[str] = []
    cursor, pages = None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = tutor.http.get(url, params=params).json()
        seen += [q["id"] for q in page["items"]]
        pages += 1
        create(tutor, ws, prompt_latex=f"Added after page {pages}")  # newer: sorts before every cursor
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [q["id"] for q in expected]
    assert len(seen) == len(set(seen)) == 9 and set(originals) <= set(seen) and pages == 5
    # Filters and the cursor combine.
    easy = tutor.http.get(url, params={"difficulty_max": 2, "limit": 1}).json()
    rest = tutor.http.get(url, params={"difficulty_max": 2, "limit": 200, "cursor": easy["next_cursor"]}).json()
    all_easy = tutor.http.get(url, params={"difficulty_max": 2, "limit": 200}).json()["items"]
    assert [q["id"] for q in easy["items"] + rest["items"]] == [q["id"] for q in all_easy] and rest["next_cursor"] is None


def test_invalid_parameters_are_problems_naming_the_parameter(practice: Practice):
    tutor, url = practice.tutor, practice.path("/questions")
    cases = [
        ({"cursor": "garbage!"}, "cursor"), ({"cursor": "WzEsMiwzXQ"}, "cursor"),  # base64 of [1,2,3]
        ({"cursor": "WyJub3QgYSBkYXRlIiwgIm5vdCBhIHV1aWQiXQ"}, "cursor"),  # ["not a date", "not a uuid"]
        ({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "many"}, "limit"),
        ({"difficulty_min": 0}, "difficulty_min"), ({"difficulty_max": 6}, "difficulty_max"),
        ({"difficulty_min": 4, "difficulty_max": 2}, "difficulty_min"), ({"status": "published"}, "status"),
        ({"origin": "robot"}, "origin"), ({"topic_id": "nope"}, "topic_id"), ({"program_id": "1"}, "program_id"),
        ({"q": "a\x00b"}, "q"), ({"q": "x" * 501}, "q"), ({"tag": "x" * 51}, "tag"), ({"tag": "  "}, "tag"),
    ]
    for params, name in cases:
        body = problem(tutor.http.get(url, params=params), 422)
        assert any(name in f.split(".") for f in fields(body)), (params, body)
        export = problem(tutor.http.get(url + "/export", params=params), 422) if name not in ("cursor", "limit") else None
        assert export is None or any(name in f.split(".") for f in fields(export))


def test_spelling_variants_are_found_when_full_text_finds_nothing(practice: Practice):
    ws, tutor = practice.workspace_id, practice.tutor
    british = create(tutor, ws, prompt_latex=r"Factorise $x^2 + 5x + 6$", status="active")["id"]
    colour = create(tutor, ws, prompt_latex=r"What colour is the \textbf{graph}?", status="active")["id"]
    create(tutor, ws, prompt_latex="Expand $(x+2)(x+3)$", status="active")
    url = practice.path("/questions")

    def found(q: str, reader=tutor) -> list[str]:
        response = reader.http.get(url, params={"q": q})
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert found("factorise") == [british]  # full text
    assert found("factorize") == [british]  # no full-text match: trigram word similarity
    assert found("Factorize the quadratic") == []  # too far from any prompt: nothing rather than noise
    assert found("color") == [colour]
    assert found("color", practice.student) == [colour]  # students get the fallback on what they may see
    assert found("zebra") == []
    # When full text finds something, that is the answer: the fallback does not add looser matches.
    american = create(tutor, ws, prompt_latex=r"Factorize $x^2 - 1$", status="active")["id"]
    assert found("factorize") == [american]


def test_the_default_order_is_served_by_an_index(practice: Practice, owner):
    from tutorassist.api.context import Tx
    from tutorassist.questions.search import NEWEST_FIRST, Filters, where

    ws = practice.workspace_id
    owner.execute("INSERT INTO questions (workspace_id, prompt_latex, answer_type, answer_spec) "
                  "SELECT %s, 'Q' || n, 'number', '{\"type\": \"number\", \"value\": \"1\"}' "
                  "FROM generate_series(1, 300) n", (ws,))
    owner.execute("ANALYZE questions")
    with_clause, condition, params = where(Tx(conn=None, user_id=None, workspace_id=ws, role="owner"), Filters())
    sql = f"{with_clause}SELECT q.id FROM questions q WHERE {condition} {NEWEST_FIRST} LIMIT 21"
    plan = "\n".join(r[0] for r in owner.execute("EXPLAIN " + sql.replace(":w", "%(w)s"), params).fetchall())
    assert "idx_questions_listing" in plan and "Sort" not in plan, plan
