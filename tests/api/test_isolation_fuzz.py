"""Every workspace endpoint, fuzzed by an outsider aimed at another workspace's real objects: never a success,
never a server error, and the other workspace's data is byte-for-byte unchanged."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests import factories
from tutorassist.db.connection import connect
from tutorassist.db.verify import tenant_tables


def fingerprint(db_url: str, workspace_id) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row, per tenant table, of one workspace."""
    with connect(db_url) as conn:
        result = {}
        for table in tenant_tables(conn):
            column = "id" if table == "workspaces" else "workspace_id"
            result[table] = conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t WHERE {column} = %s",
                (workspace_id,),
            ).fetchone()
        return result


def test_outsider_cannot_touch_another_workspace_through_any_endpoint(api_url, db_url, practice):
    victim = practice.workspace_id
    with connect(db_url, autocommit=True) as owner:
        topic = owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Victim topic') RETURNING id", (victim,)).fetchone()[0]
        question = factories.question(owner, victim, topic)
        assignment = owner.execute(
            "INSERT INTO assignments (workspace_id, student_profile_id, title) VALUES (%s, %s, 'Victim homework') RETURNING id",
            (victim, practice.student_profile_id)).fetchone()[0]
        owner.execute("INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) VALUES (%s, %s, %s, 0)",
                      (victim, assignment, question))
        material = owner.execute(
            "INSERT INTO source_materials (workspace_id, title, kind, content_text) VALUES (%s, 'Notes', 'text', 'x') RETURNING id",
            (victim,)).fetchone()[0]
        invite = owner.execute("SELECT id FROM invite_tokens WHERE workspace_id = %s LIMIT 1", (victim,)).fetchone()[0]
    real_ids = {"workspace_id": victim, "topic_id": topic, "question_id": question, "assignment_id": assignment,
                "material_id": material, "student_id": practice.student_profile_id, "invite_id": invite,
                "user_id": practice.tutor.id}
    before = fingerprint(db_url, victim)
    auth = {"Authorization": practice.outsider.http.headers["Authorization"]}
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    bad: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "{workspace_id}" not in operation.path:
            continue
        operations += 1

        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def attack(case) -> None:
            for name in list(case.path_parameters or {}):
                if name in real_ids:
                    case.path_parameters[name] = str(real_ids[name])
            response = case.call(base_url=api_url, headers=auth)
            if response.status_code < 400 or response.status_code >= 500:
                bad.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:150]}")

        attack()
    assert operations >= 8
    assert bad == []
    assert fingerprint(db_url, victim) == before
