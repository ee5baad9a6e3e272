"""Following, cancelling and retrying jobs over HTTP: staff of the workspace only."""

from __future__ import annotations

import json

import tests.jobs.job_types_for_tests  # noqa: F401  (TEST_* job types, so jobs can be run here)
from tests.api.helpers import problem
from tutorassist.jobs.runner import Engines, execute


def ask(owner, ws, type_, payload=None, created_by=None, max_attempts=3):
    return str(owner.execute("INSERT INTO jobs (workspace_id, type, payload_json, created_by, max_attempts) "
                             "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                             (ws, type_, json.dumps(payload or {}), created_by, max_attempts)).fetchone()[0])


def run(db_url, ws, job_id):
    engines = Engines.for_url(db_url)
    try:
        return execute(engines, ws, job_id)
    finally:
        engines.dispose()


def test_staff_follow_a_job_to_its_end(practice, owner, db_url):
    ws, tutor = practice.workspace_id, practice.tutor
    job_id = ask(owner, ws, "TEST_WRITE_QUESTIONS", {"count": 2}, created_by=tutor.id)
    queued = tutor.http.get(practice.path(f"/jobs/{job_id}")).json()
    assert (queued["status"], queued["progress_done"], queued["type"]) == ("queued", 0, "TEST_WRITE_QUESTIONS")
    run(db_url, ws, job_id)
    done = tutor.http.get(practice.path(f"/jobs/{job_id}")).json()
    assert (done["status"], done["progress_done"], done["progress_total"]) == ("succeeded", 2, 2)
    assert done["result"] == {"written_this_run": 2, "count": 2} and done["error"] is None
    assert done["created_by"] == str(tutor.id) and done["cost_usd"] == "0.000000"
    listed = tutor.http.get(practice.path("/jobs"), params={"status": "succeeded"}).json()
    assert [j["id"] for j in listed["items"]] == [job_id]
    assert tutor.http.get(practice.path("/jobs"), params={"type": "TEST_FAIL"}).json()["items"] == []


def test_job_pages_never_repeat_or_skip(practice, owner):
    ids = {ask(owner, practice.workspace_id, "TEST_TRIVIAL") for _ in range(5)}
    seen, cursor = [], None
    while True:
        page = practice.tutor.http.get(practice.path("/jobs"), params={"limit": 2, "cursor": cursor}).json()
        seen += [j["id"] for j in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and set(seen) == ids


def test_cancel_then_retry(practice, owner, db_url):
    ws, tutor = practice.workspace_id, practice.tutor
    job_id = ask(owner, ws, "TEST_RETRY", {"succeed_on": 1}, created_by=tutor.id)
    cancelled = tutor.http.post(practice.path(f"/jobs/{job_id}/cancel"))
    assert cancelled.status_code == 200 and cancelled.json()["outcome"] == "cancelled"
    assert cancelled.json()["job"]["status"] == "cancelled"
    again = problem(tutor.http.post(practice.path(f"/jobs/{job_id}/cancel")), 409)
    assert "already ended (cancelled)" in again["detail"]
    retried = tutor.http.post(practice.path(f"/jobs/{job_id}/retry")).json()
    assert retried["outcome"] == "queued" and retried["job"]["status"] == "queued"
    assert run(db_url, ws, job_id) == "succeeded"
    assert "only a failed or cancelled job" in problem(tutor.http.post(practice.path(f"/jobs/{job_id}/retry")), 409)["detail"]


def test_others_cannot_see_or_touch_a_workspaces_jobs(practice, owner):
    job_id = ask(owner, practice.workspace_id, "TEST_TRIVIAL")
    outsider_path = f"/workspaces/{practice.outsider_workspace_id}/jobs/{job_id}"
    problem(practice.outsider.http.get(outsider_path), 404)
    problem(practice.outsider.http.post(outsider_path + "/cancel"), 404)
    for method, suffix in (("GET", ""), ("POST", "/cancel"), ("POST", "/retry")):
        problem(practice.student.http.request(method, practice.path(f"/jobs/{job_id}{suffix}")), 403)
        problem(practice.outsider.http.request(method, practice.path(f"/jobs/{job_id}{suffix}")), 404)
    problem(practice.student.http.get(practice.path("/jobs")), 403)
    problem(practice.tutor.http.get(practice.path("/jobs/00000000-0000-4000-8000-000000000000")), 404)
    problem(practice.tutor.http.get(practice.path("/jobs"), params={"status": "done"}), 422)
    problem(practice.tutor.http.get(practice.path("/jobs"), params={"cursor": "garbage"}), 422)
    assert owner.execute("SELECT status FROM jobs WHERE id = %s", (job_id,)).fetchone()[0] == "queued"
