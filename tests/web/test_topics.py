"""Staff pages of the topic tree: create, rename, move (cycles refused beside the field), metadata, archive, delete."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import text_of


def _topic(practice, name, parent=None, **extra) -> str:
    body = {"name": name, **({"parent_id": parent} if parent else {}), **extra}
    response = practice.tutor.http.post(practice.path("/topics"), json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _read(practice, topic_id) -> dict:
    return practice.tutor.http.get(practice.path(f"/topics/{topic_id}")).json()


def test_create_topics_and_see_the_tree(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    page = v.get(f"/w/{ws}/topics")
    assert page.status_code == 200 and "Topic name" in text_of(page) and "Create topic" in text_of(page)
    assert v.post(f"/w/{ws}/topics", {"name": "Algebra"}).status_code == 303
    algebra = next(t for t in practice.tutor.http.get(practice.path("/topics")).json() if t["name"] == "Algebra")
    assert v.post(f"/w/{ws}/topics", {"name": "Linear equations", "parent_id": algebra["id"]}).status_code == 303
    tree = v.get(f"/w/{ws}/topics")
    nested = tree.text.split(f'/topics/{algebra["id"]}">Algebra</a>')[1]
    assert nested.index('<ul class="topic-tree">') < nested.index("Linear equations</a>"), "the child is nested"


def test_a_refused_new_topic_keeps_the_input(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    _topic(practice, "Geometry")
    duplicate = v.post(f"/w/{ws}/topics", {"name": "Geometry"})
    assert duplicate.status_code == 409 and 'id="name-error"' in duplicate.text and "already exists" in text_of(duplicate)
    blank = v.post(f"/w/{ws}/topics", {"name": "", "parent_id": str(uuid.uuid4())})
    assert blank.status_code == 422 and 'id="name-error"' in blank.text
    missing = v.post(f"/w/{ws}/topics", {"name": "Orphan", "parent_id": str(uuid.uuid4())})
    assert missing.status_code == 422 and 'id="parent_id-error"' in missing.text and 'value="Orphan"' in missing.text


def test_rename_and_move_and_a_cycle_is_refused_beside_the_parent(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    a = _topic(practice, "Numbers")
    b = _topic(practice, "Fractions", a)
    page = v.get(f"/w/{ws}/topics/{a}")
    assert page.status_code == 200 and "Parent topic" in text_of(page)
    assert f'href="/w/{ws}/topics/{b}">Fractions</a>' in page.text, "its subtopics are listed"
    cycle = v.post(f"/w/{ws}/topics/{a}", {"name": "Numbers", "parent_id": b})
    assert cycle.status_code == 422 and 'id="parent_id-error"' in cycle.text and "descendants" in text_of(cycle)
    assert _read(practice, a)["parent_id"] is None
    nameless = v.post(f"/w/{ws}/topics/{a}", {"name": "", "description": "Whole numbers"})
    assert nameless.status_code == 422 and 'id="name-error"' in nameless.text and "Whole numbers" in nameless.text
    assert v.post(f"/w/{ws}/topics/{b}", {"name": "Fractions and decimals", "parent_id": ""}).status_code == 303
    moved = _read(practice, b)
    assert moved["name"] == "Fractions and decimals" and moved["parent_id"] is None
    assert v.post(f"/w/{ws}/topics/{b}", {"name": "Fractions and decimals", "parent_id": a}).status_code == 303
    assert _read(practice, b)["parent_id"] == a


def test_metadata_prerequisites_threshold_and_objectives(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    a = _topic(practice, "Arithmetic")
    b = _topic(practice, "Algebra", metadata={"curriculum_codes": ["CCSS.MATH.8.EE"]})
    refused = v.post(f"/w/{ws}/topics/{b}/metadata", {"metadata.prerequisites[]": [a],
                                                      "metadata.mastery_threshold": "1.5",
                                                      "metadata.learning_objectives": "Solve it"})
    assert refused.status_code == 422 and 'id="metadata.mastery_threshold-error"' in refused.text
    assert 'value="1.5"' in refused.text and ">Solve it</textarea>" in refused.text
    saved = v.post(f"/w/{ws}/topics/{b}/metadata", {"metadata.prerequisites[]": [a], "metadata.mastery_threshold": "0.85",
                                                    "metadata.learning_objectives": "Solve linear equations\n\nFactorise"})
    assert saved.status_code == 303
    metadata = _read(practice, b)["metadata"]
    assert metadata == {"prerequisites": [a], "mastery_threshold": 0.85, "curriculum_codes": ["CCSS.MATH.8.EE"],
                        "learning_objectives": ["Solve linear equations", "Factorise"]}
    page = v.get(f"/w/{ws}/topics/{b}")
    assert f'<option value="{a}" selected>Arithmetic</option>' in page.text and 'value="0.85"' in page.text
    cleared = v.post(f"/w/{ws}/topics/{b}/metadata", {"metadata.mastery_threshold": ""})
    assert cleared.status_code == 303 and _read(practice, b)["metadata"] == {"curriculum_codes": ["CCSS.MATH.8.EE"]}
    unknown = v.post(f"/w/{ws}/topics/{b}/metadata", {"metadata.prerequisites[]": [str(uuid.uuid4())]})
    assert unknown.status_code == 422 and 'id="metadata.prerequisites-error"' in unknown.text


def test_archive_unarchive_and_delete(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    a = _topic(practice, "Statistics")
    b = _topic(practice, "Averages", a)
    assert v.post(f"/w/{ws}/topics/{a}/archive").status_code == 303
    assert _read(practice, b)["archived_at"] is not None, "the subtree is archived"
    assert "Statistics" not in text_of(v.get(f"/w/{ws}/topics"))
    shown = v.get(f"/w/{ws}/topics?archived=true")
    assert "Statistics" in text_of(shown) and "Archived" in text_of(shown)
    blocked = v.post(f"/w/{ws}/topics/{b}/unarchive")
    assert blocked.status_code == 409 and "parent topic is archived" in text_of(blocked)
    assert v.post(f"/w/{ws}/topics/{a}/unarchive").status_code == 303
    assert _read(practice, b)["archived_at"] is None
    has_child = v.post(f"/w/{ws}/topics/{a}/delete")
    assert has_child.status_code == 409 and "subtopic" in text_of(has_child)
    assert v.post(f"/w/{ws}/topics/{b}/delete").status_code == 303
    assert practice.tutor.http.get(practice.path(f"/topics/{b}")).status_code == 404


def test_topic_pages_refuse_students_outsiders_and_bad_ids(browser_of, practice):
    ws = practice.workspace_id
    a = _topic(practice, "Probability")
    student, outsider, tutor = browser_of(practice.student), browser_of(practice.outsider), browser_of(practice.tutor)
    for path in (f"/w/{ws}/topics", f"/w/{ws}/topics/{a}"):
        assert student.get(path).status_code == 403, path
        assert outsider.get(path).status_code == 404, path
    for path in (f"/w/{ws}/topics/{uuid.uuid4()}", f"/w/{ws}/topics/nope"):
        assert tutor.get(path).status_code == 404, path
    assert tutor.post(f"/w/{ws}/topics/{uuid.uuid4()}/archive").status_code == 404
    assert tutor.post(f"/w/{ws}/topics/{uuid.uuid4()}/metadata", {}).status_code == 404
    assert tutor.get(f"/w/{ws}/topics?archived=perhaps").status_code == 422
    assert student.post(f"/w/{ws}/topics", {"name": "Sneaky"}).status_code == 403


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=40), parent=st.one_of(st.just(""), st.text(max_size=40)), threshold=st.text(max_size=12),
       objectives=st.text(max_size=80), prerequisites=st.lists(st.text(max_size=40), max_size=3))
def test_no_topic_form_input_is_a_server_error(browser_of, practice, name, parent, threshold, objectives, prerequisites):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    topic = next(iter(practice.tutor.http.get(practice.path("/topics")).json()), None) \
        or {"id": _topic(practice, "Seed")}
    assert v.post(f"/w/{ws}/topics", {"name": name, "parent_id": parent}).status_code < 500
    assert v.post(f"/w/{ws}/topics/{topic['id']}", {"name": name, "parent_id": parent}).status_code < 500
    response = v.post(f"/w/{ws}/topics/{topic['id']}/metadata", {
        "metadata.prerequisites[]": prerequisites, "metadata.mastery_threshold": threshold,
        "metadata.learning_objectives": objectives})
    assert response.status_code < 500, response.text
