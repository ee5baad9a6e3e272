"""Asking for embedding jobs: the periodic EMBED_NEW_QUESTIONS, the API, and the operator's CLI."""

from __future__ import annotations

import subprocess

from tests.api.helpers import problem
from tests.embeddings.conftest import make_bank
from tests.jobs.workers import ROOT, TUTORASSIST, worker_env
from tutorassist.embeddings.jobs import embed_missing, embed_new_questions


def embedding_jobs(owner, ws) -> list[tuple]:
    return owner.execute("SELECT type, status, created_by FROM jobs WHERE workspace_id = %s "
                         "AND type IN ('EMBED_QUESTIONS', 'REEMBED_ALL') ORDER BY created_at", (ws,)).fetchall()


def test_new_questions_get_an_embedding_job_once(owner, owner_db, bank, run_job):
    other = make_bank(owner, "B")
    assert embed_new_questions(owner_db) == {"jobs_asked": 2}
    assert embedding_jobs(owner, bank.workspace_id) == [("EMBED_QUESTIONS", "queued", bank.tutor_id)]
    # Asked again while the job waits: nothing more.
    assert embed_new_questions(owner_db) == {"jobs_asked": 0}
    # Once every question is embedded, nothing is asked for that workspace.
    owner.execute("UPDATE jobs SET status = 'cancelled', finished_at = now() WHERE workspace_id = ANY(%s)",
                  ([bank.workspace_id, other.workspace_id],))
    run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert embed_new_questions(owner_db) == {"jobs_asked": 1}  # only the other workspace
    assert len(embedding_jobs(owner, bank.workspace_id)) == 2  # the cancelled one and the one run here


def test_staff_ask_for_embedding_jobs_over_http(practice, owner):
    tutor, path = practice.tutor, practice.path("/questions/embeddings")
    asked = tutor.http.post(path, json={})
    assert asked.status_code == 202 and asked.json()["type"] == "EMBED_QUESTIONS"
    job = tutor.http.get(practice.path(f"/jobs/{asked.json()['job_id']}")).json()
    assert job["status"] == "queued" and job["created_by"] == str(tutor.id)
    assert tutor.http.post(path, json={"reembed": True}).json()["type"] == "REEMBED_ALL"
    problem(practice.student.http.post(path, json={}), 403)
    problem(practice.outsider.http.post(path, json={}), 404)
    for bad in ({"reembed": "yes please"}, {"reembed": 0}, {"reembed": True, "extra": 1}):
        problem(tutor.http.post(path, json=bad), 422)


def test_the_operator_asks_for_embedding_jobs(owner, bank, db_url):
    def cli(*args):
        return subprocess.run([TUTORASSIST, "embeddings", "embed", *args], env=worker_env(db_url), cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    first = cli("--workspace", str(bank.workspace_id))
    assert first.returncode == 0 and "1 job(s) queued" in first.stdout
    assert "nothing to embed" in cli("--workspace", str(bank.workspace_id)).stdout
    again = cli("--reembed")
    assert again.returncode == 0 and embedding_jobs(owner, bank.workspace_id)[-1][0] == "REEMBED_ALL"
    missing = cli("--workspace", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 1 and "no workspace" in missing.stderr
