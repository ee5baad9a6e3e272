"""The data checks: ids in JSONB and arrays that name nothing (or another workspace's rows), and stored JSONB against
its contract, table-driven for every reference and property-tested over generated values."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from pydantic import ValidationError

import tutorassist.contracts  # noqa: F401 - registers every JSONB contract
from tests.operations.conftest import audit_with, injected
from tutorassist.kit.jsonb import validate_jsonb
from tutorassist.operations.audit.checks.contracts import jsonb_contracts
from tutorassist.operations.audit.checks.orphans import REFERENCES, orphaned_ids
from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Level

E = Level.ERROR


# How to plant a dangling id in each reference the orphan check knows; a new reference needs its line here.
ORPHAN_SETTERS = {
    "metadata.prerequisites": "UPDATE topics SET metadata = jsonb_build_object('prerequisites', jsonb_build_array(%(id)s::text))",
    "metadata.follows_topics": "UPDATE topics SET metadata = jsonb_build_object('follows_topics', jsonb_build_array(%(id)s::text))",
    "metadata.leads_to_topics": "UPDATE topics SET metadata = jsonb_build_object('leads_to_topics', jsonb_build_array(%(id)s::text))",
    "metadata.source_program_id": "UPDATE topics SET metadata = jsonb_build_object('source_program_id', %(id)s::text)",
    "metadata.source_grade_level_id": "UPDATE topics SET metadata = jsonb_build_object('source_grade_level_id', %(id)s::text)",
    "generation_metadata.source_context.similar_questions":
        "UPDATE questions SET generation_metadata = jsonb_build_object('source_context', "
        "jsonb_build_object('similar_questions', jsonb_build_array(%(id)s::text)))",
    "generation_metadata.pedagogical.prerequisites":
        "UPDATE questions SET generation_metadata = jsonb_build_object('pedagogical', "
        "jsonb_build_object('prerequisites', jsonb_build_array(%(id)s::text)))",
    "generation_metadata.job_id": "UPDATE questions SET generation_metadata = jsonb_build_object('job_id', %(id)s::text)",
    "generation_metadata.source_context.material_id":
        "UPDATE questions SET generation_metadata = jsonb_build_object('source_context', "
        "jsonb_build_object('material_id', %(id)s::text))",
    "session_metadata.topics_covered[].topic_id":
        "UPDATE sessions SET session_metadata = jsonb_build_object('topics_covered', "
        "jsonb_build_array(jsonb_build_object('topic_id', %(id)s::text)))",
    "session_metadata.questions_reviewed[].question_id":
        "UPDATE sessions SET session_metadata = jsonb_build_object('questions_reviewed', "
        "jsonb_build_array(jsonb_build_object('question_id', %(id)s::text)))",
    "topics_covered": "UPDATE sessions SET topics_covered = ARRAY[%(id)s::uuid]",
    "questions_reviewed": "UPDATE sessions SET questions_reviewed = ARRAY[%(id)s::uuid]",
    "topics_requested": "UPDATE question_batches SET topics_requested = ARRAY[%(id)s::uuid]",
    "topics_mastered": "UPDATE student_progress_snapshots SET topics_mastered = ARRAY[%(id)s::uuid]",
    "topics_struggling": "UPDATE student_progress_snapshots SET topics_struggling = ARRAY[%(id)s::uuid]",
}
# Which row of the other workspace a reference to `target` borrows (a real id, but not this workspace's).
_OTHER_WORKSPACE_ROW = {"topics": "topic_id", "questions": "question_id"}


def test_every_reference_has_an_orphan_test():
    assert sorted(ORPHAN_SETTERS) == sorted(r.field for r in REFERENCES)


@pytest.mark.parametrize("ref", REFERENCES, ids=[f"{r.table}.{r.field}" for r in REFERENCES])
def test_an_id_naming_no_row_is_an_orphan(audited, ref):
    url, _, _ = audited
    dangling = "0b5e4c1e-0000-4000-8000-000000000001"
    report = audit_with(url, "SET LOCAL session_replication_role = replica", ORPHAN_SETTERS[ref.field],
                        params={"id": dangling})
    finding = {f.key: f for f in report.findings}[f"orphan_ids:public.{ref.table}.{ref.field}"]
    assert finding.level is ref.level and dangling in finding.detail


@pytest.mark.parametrize("ref", [r for r in REFERENCES if r.tenant and r.target in _OTHER_WORKSPACE_ROW],
                         ids=lambda r: f"{r.table}.{r.field}")
def test_an_id_of_another_workspace_is_an_orphan(audited, ref):
    url, first, second = audited
    other = str(getattr(second, _OTHER_WORKSPACE_ROW[ref.target]))
    setter = ORPHAN_SETTERS[ref.field] + " WHERE workspace_id = %(ws)s"
    report = audit_with(url, "SET LOCAL session_replication_role = replica", setter,
                        params={"id": other, "ws": first.workspace_id})
    assert f"orphan_ids:public.{ref.table}.{ref.field}" in {f.key for f in report.findings}
    # The same id in its own workspace is no orphan.
    own = audit_with(url, "SET LOCAL session_replication_role = replica", setter,
                     params={"id": other, "ws": second.workspace_id})
    assert f"orphan_ids:public.{ref.table}.{ref.field}" not in {f.key for f in own.findings}


# --------------------------------------------------------------------------- stored JSONB against its contract

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-1, 2, allow_nan=False) | st.text(max_size=5)
    | st.just("0b5e4c1e-0000-4000-8000-000000000001"),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=2),
    max_leaves=6)
_TOPIC_KEYS = st.sampled_from(["prerequisites", "mastery_threshold", "success_benchmark", "generated_from",
                               "recommended_question_types", "common_errors", "colour"])
_TOPIC_VALUES = _JSON_VALUES | st.sampled_from([0.8, "ai", "manual", ["number"], []])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(metadata=st.dictionaries(_TOPIC_KEYS, _TOPIC_VALUES, max_size=3))
def test_stored_topic_metadata_is_reported_exactly_when_it_breaks_the_contract(audited, metadata):
    url, first, _ = audited
    try:
        validate_jsonb("topics", "metadata", metadata)
        valid = True
    except ValidationError:
        valid = False
    with injected(url, "SET LOCAL session_replication_role = replica",
                  "UPDATE topics SET metadata = %(m)s WHERE id = %(t)s",
                  params={"m": Jsonb(metadata), "t": first.topic_id}) as conn:
        ctx = AuditContext(conn=conn, url=url, jsonb_batch_size=7)
        findings = [f for f in jsonb_contracts(ctx) if f.key == "jsonb_contract:public.topics.metadata"]
    assert (findings == []) is valid
    if findings:
        assert findings[0].level is E and str(first.topic_id) in findings[0].detail


def test_contract_check_reads_in_batches_and_names_examples(audited):
    url, _, _ = audited
    with injected(url, """UPDATE attempts SET context_json = '{"device_type": "fridge"}'""") as conn:
        total = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
        ctx = AuditContext(conn=conn, url=url, jsonb_batch_size=1, examples=1)
        finding = next(f for f in jsonb_contracts(ctx) if f.key == "jsonb_contract:public.attempts.context_json")
    assert f"{total} of {total} value(s) break the AttemptContext contract" in finding.detail
    assert "device_type" in finding.detail


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_orphan_count_is_exactly_the_ids_naming_no_topic_of_the_workspace(audited, data):
    url, first, second = audited
    with injected(url) as conn:
        own = [str(r[0]) for r in conn.execute("SELECT id FROM topics WHERE workspace_id = %s AND id <> %s",
                                               (first.workspace_id, first.topic_id))]
    pool = {"own": own, "other": [str(second.topic_id)],
            "unknown": [str(uuid.UUID(int=n)) for n in range(1, 4)], "not a uuid": ["x", "12"]}
    picked = data.draw(st.lists(st.sampled_from([(kind, value) for kind, values in pool.items() for value in values]),
                                unique=True, max_size=6))
    ids = [value for _, value in picked]
    bad = sum(1 for kind, _ in picked if kind in ("other", "unknown"))
    with injected(url, "SET LOCAL session_replication_role = replica",
                  "UPDATE topics SET metadata = %(m)s WHERE id = %(t)s",
                  params={"m": Jsonb({"prerequisites": ids}), "t": first.topic_id}) as conn:
        findings = [f for f in orphaned_ids(AuditContext(conn=conn, url=url))
                    if f.key == "orphan_ids:public.topics.metadata.prerequisites"]
    if bad:
        assert len(findings) == 1 and findings[0].detail.startswith(f"{bad} id(s) in 1 row(s)")
    else:
        assert findings == []
