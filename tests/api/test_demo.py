"""The demo workspace is built through the real services, once, and a tutor can sign in to it."""

from __future__ import annotations

from tutorassist.db.connection import connect
from tutorassist.demo.build import PASSWORD, TUTOR_EMAIL, build
from tutorassist.demo.content import QUESTIONS


def test_demo_builds_once_and_signs_in(db_url, client):
    first = build(db_url)
    assert first.created and first.questions == len(QUESTIONS) and first.attempts > 0
    assert build(db_url).created is False
    with connect(db_url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM questions WHERE status = 'active'), "
            "(SELECT count(*) FROM student_profiles), (SELECT count(*) FROM student_profiles WHERE user_id IS NULL), "
            "(SELECT count(*) FROM assignments WHERE status = 'in_progress'), (SELECT sum(times_attempted) FROM question_stats)"
        ).fetchone()
    assert counts == (1, len(QUESTIONS), 3, 1, 2, first.attempts)
    signin = client.post("/auth/signin", json={"email": TUTOR_EMAIL, "password": PASSWORD})
    assert signin.status_code == 200
    token = signin.json()["token"]
    workspaces = client.get("/workspaces", headers={"Authorization": f"Bearer {token}"}).json()
    assert [w["role"] for w in workspaces] == ["owner"]
    preview = client.get(f"/invites/{first.pending_invite}")
    page = client.get(f"/invite/{first.pending_invite}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == f"/signup?invite={first.pending_invite}"
    assert preview.json()["state"] == "open" and preview.json()["student_name"] == "Cleo Martin"
