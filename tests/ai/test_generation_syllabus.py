"""SYLLABUS_GENERATE: the topic tree of a program and grade, inserted idempotently, then questions for new topics."""

from __future__ import annotations

import json

import pytest

from tests.ai.fake_provider import counts, job_context, rerun, settings_for
from tutorassist.ai import jobs, offline, syllabus
from tutorassist.jobs.registry import JobFailed


def _program(owner):
    return owner.execute("SELECT p.name, g.name FROM study_programs p JOIN grade_levels g ON g.program_id = p.id "
                         "ORDER BY p.name, g.sort_order LIMIT 1").fetchone()


def test_syllabus_builds_the_tree_once_and_fills_new_topics(owner, engines, world):
    program, grade = _program(owner)
    payload = {"program": program, "grade": grade, "questions_per_topic": 2}
    outline = offline.syllabus(program, grade)
    leaves = [leaf for area in outline for leaf in area.children]
    ctx = job_context(engines, world, jobs.SYLLABUS_GENERATE, payload)
    result = syllabus.run_syllabus(ctx, payload, settings=settings_for(None))
    topics = set(owner.execute("SELECT t.name, p.name FROM topics t LEFT JOIN topics p ON p.workspace_id = t.workspace_id "
                               "AND p.id = t.parent_id WHERE t.workspace_id = %s", (world.workspace_id,)).fetchall())
    expected = {(area.name, None) for area in outline} | {(leaf.name, area.name) for area in outline for leaf in area.children}
    assert expected <= topics  # the catalogue's tree, areas at the top and topics under them
    assert result["new_leaf_topics"] == len(leaves) and result["requested"] == 2 * len(leaves)
    assert result["generated"] + result["failed"] == result["requested"] and result["generated"] >= result["requested"] - 1, result
    before = counts(owner, world.workspace_id)
    topic_count = owner.execute("SELECT count(*) FROM topics WHERE workspace_id = %s", (world.workspace_id,)).fetchone()
    # Run again (after a crash, or a second request): no topic or question twice.
    syllabus.run_syllabus(rerun(ctx), payload, settings=settings_for(None))
    second = job_context(engines, world, jobs.SYLLABUS_GENERATE, payload)
    assert syllabus.run_syllabus(second, payload, settings=settings_for(None))["new_leaf_topics"] == 0
    assert counts(owner, world.workspace_id) == before
    assert owner.execute("SELECT count(*) FROM topics WHERE workspace_id = %s", (world.workspace_id,)).fetchone() == topic_count


def test_unknown_program_fails_clearly(owner, engines, world):
    payload = {"program": "No Such Program", "grade": "Year 1"}
    ctx = job_context(engines, world, jobs.SYLLABUS_GENERATE, payload)
    with pytest.raises(JobFailed, match="no study program 'No Such Program'"):
        syllabus.run_syllabus(ctx, payload, settings=settings_for(None))


def test_the_model_can_make_the_tree(owner, engines, world, fake):
    from tests.ai.fake_provider import Reply, completion

    tree = {"topics": [{"name": "Algebra", "description": "Symbols and equations", "children": [
        {"name": "Linear equations", "description": "ax + b = c"},
        {"name": "Simultaneous equations", "description": "Two unknowns"}]}]}
    fake.script.append(Reply(200, completion(json.dumps(tree), 120, 80)))
    program, grade = _program(owner)
    payload = {"program": program, "grade": grade, "questions_per_topic": 2, "provider": "openai"}
    ctx = job_context(engines, world, jobs.SYLLABUS_GENERATE, payload)
    result = syllabus.run_syllabus(ctx, payload, settings=settings_for(fake))
    assert result["new_leaf_topics"] == 2 and result["generated"] == 4
    assert "Study program: " + program in fake.chat_requests[0]["messages"][-1]["content"]
    usage = owner.execute("SELECT operation_type, tokens_total, success FROM ai_usage_log WHERE job_id = %s "
                          "ORDER BY created_at", (ctx.job_id,)).fetchall()
    assert usage[0] == ("generate_syllabus", 200, True) and [u[0] for u in usage[1:]] == ["generate_question"] * 2
    before = counts(owner, world.workspace_id)
    syllabus.run_syllabus(rerun(ctx), payload, settings=settings_for(fake))
    assert counts(owner, world.workspace_id) == before and len(fake.chat_requests) == 3


def test_an_unreadable_model_tree_fails_the_job_and_is_logged(owner, engines, world, fake):
    from tests.ai.fake_provider import Reply, completion

    fake.script.append(Reply(200, completion(json.dumps({"topics": [{"title": "no name"}]}))))
    program, grade = _program(owner)
    payload = {"program": program, "grade": grade, "provider": "openai"}
    ctx = job_context(engines, world, jobs.SYLLABUS_GENERATE, payload)
    with pytest.raises(JobFailed, match="syllabus could not be read"):
        syllabus.run_syllabus(ctx, payload, settings=settings_for(fake))
    assert owner.execute("SELECT success FROM ai_usage_log WHERE job_id = %s", (ctx.job_id,)).fetchall() == [(False,)]
    assert owner.execute("SELECT count(*) FROM topics WHERE workspace_id = %s", (world.workspace_id,)).fetchone()[0] == 1
