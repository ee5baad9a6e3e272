"""Exporting a whole workspace and deleting it: the export holds exactly that workspace's rows, the deletion removes
them all (but the audit log) and touches no other workspace, and every refusal is one line and changes nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb

from tests import factories
from tutorassist.operations.workspace_delete import check_export, delete_workspace
from tutorassist.operations.workspace_export import (
    WorkspaceOperationError,
    export_workspace,
    read_catalog,
    read_manifest,
)


def tenant_counts(conn, workspace_id) -> dict[str, int]:
    counts = {"workspaces": conn.execute("SELECT count(*) FROM workspaces WHERE id = %s", (workspace_id,)).fetchone()[0]}
    for table in read_catalog(conn).tenant_tables:
        counts[table] = conn.execute(f"SELECT count(*) FROM {table} WHERE workspace_id = %s", (workspace_id,)).fetchone()[0]
    return counts


def tenant_rows(conn, workspace_id) -> dict[str, list]:
    rows = {}
    for table in read_catalog(conn).tenant_tables:
        rows[table] = sorted(json.dumps(r[0], sort_keys=True) for r in conn.execute(
            f"SELECT to_jsonb(t) FROM {table} t WHERE workspace_id = %s", (workspace_id,)))
    return rows


def exported(path: Path) -> dict[str, list[dict]]:
    with tarfile.open(path, "r:gz") as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
        return {table: [json.loads(line) for line in archive.extractfile(entry["file"])]
                for table, entry in manifest["tables"].items()}


@pytest.fixture
def two_workspaces(owner):
    a, b = factories.every_tenant_table(owner, "A"), factories.every_tenant_table(owner, "B")
    for t in (a, b):  # a topic naming its parent as prerequisite: deleting the whole tree at once must still work
        owner.execute("UPDATE topics SET metadata = jsonb_build_object('prerequisites', jsonb_build_array(%s::text)) "
                      "WHERE workspace_id = %s AND parent_id = %s", (str(t.topic_id), t.workspace_id, t.topic_id))
    return a, b


def test_export_then_delete_removes_every_row_the_export_counted(db_url, owner, two_workspaces, tmp_path):
    a, b = two_workspaces
    before = tenant_counts(owner, a.workspace_id)
    other_before = tenant_rows(owner, b.workspace_id)
    assert all(before.values()), before  # every tenant table has rows of A, so the test covers each

    report = export_workspace(db_url, a.workspace_id, tmp_path / "a.tar.gz")
    manifest = read_manifest(report.path)
    assert {t: e["rows"] for t, e in manifest["tables"].items() if e["scope"] != "global"} == before
    assert manifest["schema_revision"] == owner.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert {"users", "study_programs", "grade_levels", "embedding_models"} <= set(manifest["tables"])

    deleted = delete_workspace(db_url, a.workspace_id, export=report.path)
    assert deleted.counts == {t: n for t, n in before.items() if t != "audit_log"}
    after = tenant_counts(owner, a.workspace_id)
    assert {t: n for t, n in after.items() if n} == {"audit_log": deleted.kept["audit_log"]}
    assert deleted.kept["audit_log"] > before["audit_log"]  # the deletion itself is audited
    assert tenant_rows(owner, b.workspace_id) == other_before
    # users are global: the members of A remain, without a membership in A
    assert owner.execute("SELECT count(*) FROM users WHERE id = %s", (a.student_id,)).fetchone()[0] == 1


def test_an_export_holds_only_its_workspace_and_no_credentials(db_url, owner, two_workspaces, tmp_path):
    a, b = two_workspaces
    owner.execute("UPDATE users SET password_hash = 'secret-hash' WHERE id = %s", (a.tutor_id,))
    files = exported(export_workspace(db_url, a.workspace_id, tmp_path / "a.tar.gz").path)
    text = json.dumps(files)
    assert str(b.workspace_id) not in text and str(b.student_id) not in text and str(b.question_id) not in text
    assert files["workspaces"] == [owner.execute("SELECT to_jsonb(w) FROM workspaces w WHERE id = %s",
                                                 (a.workspace_id,)).fetchone()[0]]
    for table, rows in files.items():
        for row in rows:
            if "workspace_id" in row:
                assert row["workspace_id"] == str(a.workspace_id), table
    members = {r[0] for r in owner.execute("SELECT user_id::text FROM workspace_members WHERE workspace_id = %s",
                                           (a.workspace_id,))}
    assert members <= {u["id"] for u in files["users"]}
    assert "secret-hash" not in text and all("password_hash" not in u for u in files["users"])
    assert files["oauth_connections"] and all("access_token_encrypted" not in r for r in files["oauth_connections"])


def test_deleting_refuses_a_stale_foreign_old_or_damaged_export(db_url, owner, two_workspaces, tmp_path):
    a, b = two_workspaces
    export_a = export_workspace(db_url, a.workspace_id, tmp_path / "a.tar.gz").path
    export_b = export_workspace(db_url, b.workspace_id, tmp_path / "b.tar.gz").path
    owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Added after the export')", (a.workspace_id,))
    before = tenant_counts(owner, a.workspace_id)
    with pytest.raises(WorkspaceOperationError, match=r"changed since the export \(.*topics 2 -> 3"):
        delete_workspace(db_url, a.workspace_id, export=export_a)
    with pytest.raises(WorkspaceOperationError, match=f"the export is of workspace {b.workspace_id}"):
        delete_workspace(db_url, a.workspace_id, export=export_b)
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(export_a, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "tables/topics.jsonl":
                data = data.replace(b"Algebra", b"Algebrb")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(WorkspaceOperationError, match="topics.jsonl does not match its checksum"):
        delete_workspace(db_url, a.workspace_id, export=damaged)
    no_time = tmp_path / "no-time.tar.gz"
    with tarfile.open(no_time, "w:gz") as target:
        data = json.dumps({"format": "tutorassist-workspace-export", "workspace_id": str(a.workspace_id),
                           "tables": {}}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        target.addfile(info, io.BytesIO(data))
    with pytest.raises(WorkspaceOperationError, match="is not a readable workspace export: 'exported_at'"):
        delete_workspace(db_url, a.workspace_id, export=no_time)
    assert tenant_counts(owner, a.workspace_id) == before  # nothing deleted by any refusal
    manifest = read_manifest(export_b)
    counts = tenant_counts(owner, b.workspace_id)
    check_export(manifest, b.workspace_id, counts, 60)
    later = datetime.fromisoformat(manifest["exported_at"]) + timedelta(minutes=61)
    with pytest.raises(WorkspaceOperationError, match="61 minutes ago, more than 60"):
        check_export(manifest, b.workspace_id, counts, 60, now=later)


def test_unknown_workspace_and_existing_file_are_refused(db_url, tmp_path):
    missing = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(WorkspaceOperationError, match=f"no workspace {missing}"):
        export_workspace(db_url, missing, tmp_path / "x.tar.gz")
    assert not (tmp_path / "x.tar.gz").exists() and list(tmp_path.iterdir()) == []
    (tmp_path / "taken.tar.gz").write_text("mine")
    with pytest.raises(WorkspaceOperationError, match="already exists"):
        export_workspace(db_url, missing, tmp_path / "taken.tar.gz")
    assert (tmp_path / "taken.tar.gz").read_text() == "mine"
    with pytest.raises(WorkspaceOperationError, match=f"no workspace {missing}"):
        delete_workspace(db_url, missing, export=None)


def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": url, "COLUMNS": "200"}
    command = Path(sys.executable).parent / "tutorassist"  # the installed command (`python -m` warns on stderr)
    return subprocess.run([str(command), "workspace", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_exports_deletes_and_refuses_in_one_line(db_url, owner, tmp_path):
    t = factories.tenant(owner, "C", items=2)
    ws, out = str(t.workspace_id), tmp_path / "c.tar.gz"
    refusals = [
        (cli("export", "not-a-uuid", "--out", str(out), url=db_url), "'not-a-uuid' is not a workspace id"),
        (cli("export", "00000000-0000-0000-0000-000000000000", "--out", str(out), url=db_url), "no workspace"),
        (cli("delete", "12", "--yes", "--no-export", url=db_url), "'12' is not a workspace id"),
        (cli("delete", ws, "--no-export", url=db_url), "cannot be undone: add --yes"),
        (cli("delete", ws, "--yes", url=db_url), "refusing without an export"),
        (cli("delete", ws, "--yes", "--no-export", "--export", str(out), url=db_url), "either --export FILE or"),
        (cli("delete", ws, "--yes", "--export", "/nonexistent.tar.gz", url=db_url), "not a readable workspace export"),
    ]
    for result, message in refusals:
        assert result.returncode == 1, (message, result.stdout, result.stderr)
        assert result.stderr.strip().startswith("error:") and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stdout + result.stderr
    assert owner.execute("SELECT count(*) FROM workspaces WHERE id = %s", (ws,)).fetchone()[0] == 1

    exported_run = cli("export", ws, "--out", str(out), url=db_url)
    assert exported_run.returncode == 0, exported_run.stderr
    assert "questions" in exported_run.stdout and f"wrote {out}" in exported_run.stdout
    deleted_run = cli("delete", ws, "--yes", "--export", str(out), url=db_url)
    assert deleted_run.returncode == 0, deleted_run.stderr
    assert "assignment_items" in deleted_run.stdout and f"deleted workspace {ws}" in deleted_run.stdout
    assert owner.execute("SELECT count(*) FROM questions WHERE workspace_id = %s", (ws,)).fetchone()[0] == 0
    again = cli("delete", ws, "--yes", "--no-export", url=db_url)
    assert again.returncode == 1 and f"no workspace {ws}" in again.stderr


_json_scalars = st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
_json = st.recursive(_json_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=8).filter(lambda k: "\x00" not in k), inner, max_size=4),
                     max_leaves=12)
_names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda n: n.strip() and n == n.strip())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(settings_json=st.dictionaries(st.text(max_size=8).filter(lambda k: "\x00" not in k), _json, max_size=5),
       topic_name=_names)
def test_any_json_and_text_come_out_of_the_export_as_stored(db_url, owner, tmp_path_factory, settings_json,
                                                            topic_name):
    t = factories.tenant(owner, "J")
    owner.execute("UPDATE workspaces SET settings_json = %s WHERE id = %s", (Jsonb(settings_json), t.workspace_id))
    owner.execute("UPDATE topics SET name = %s WHERE workspace_id = %s", (topic_name, t.workspace_id))
    files = exported(export_workspace(db_url, t.workspace_id, tmp_path_factory.mktemp("json") / "j.tar.gz").path)
    stored = owner.execute("SELECT settings_json FROM workspaces WHERE id = %s", (t.workspace_id,)).fetchone()[0]
    assert files["workspaces"][0]["settings_json"] == stored == settings_json
    assert [topic["name"] for topic in files["topics"]] == [topic_name]
