"""AI generation pages over the offline provider: the form and its cost estimate (htmx swap and plain form), a job
followed by polling until it ends (run in-process as the worker runs it), reviewing and approving drafts, cancel and
retry, and source materials (paste, upload, refusals beside the file field, delete)."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tutorassist.job_types  # noqa: F401  (registers GENERATE_QUESTIONS for the in-process run)
from tests.api.test_materials import make_pdf
from tests.factories import question
from tests.web.conftest import text_of
from tutorassist.ai import service as ai_service
from tutorassist.ai.schemas import GenerationBody
from tutorassist.api.context import RequestContext
from tutorassist.config import get_settings
from tutorassist.jobs.runner import Engines, execute
from tutorassist.kit.problems import Problem
from tutorassist.questions.materials.service import MAX_UPLOAD_BYTES

HTMX = {"HX-Request": "true"}


@pytest.fixture
def topic(practice) -> str:
    response = practice.tutor.http.post(practice.path("/topics"), json={"name": "Linear equations"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture
def engines(db_url):
    made = Engines.for_url(db_url)
    yield made
    made.dispose()


def ask(topic: str, **fields) -> dict:
    return {"topic_id": topic, "count": "3", "difficulty_mix.1": "1", "difficulty_mix.2": "", "difficulty_mix.3": "0",
            "difficulty_mix.4": "2", "difficulty_mix.5": "", "source_material_id": "", "material_page": ""} | fields


def test_the_generation_form_has_its_labelled_fields_and_buttons(browser_of, practice, topic):
    page = browser_of(practice.tutor).get(f"/w/{practice.workspace_id}/ai")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<label for="topic_id">Topic' in html and f'value="{topic}"' in html and "Linear equations" in html
    assert '<label for="count">Count' in html and '<label for="source_material_id">Source material' in html
    for level in range(1, 6):
        assert f'<label for="difficulty_mix.{level}">Difficulty {level}</label>' in html
    assert ">Estimate cost</button>" in html and ">Generate</button>" in html and 'id="estimate"' in html
    assert "/ai/materials" in html  # the link to upload a source


def test_the_estimate_swaps_in_with_htmx_and_shows_on_the_page_without_it(browser_of, practice, topic):
    tutor = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/ai/estimate"
    swapped = tutor.post(path, ask(topic), headers=HTMX)
    assert swapped.status_code == 200 and "<html" not in swapped.text
    text = text_of(swapped)
    assert "Estimated cost" in text and "offline" in text and "$0.0000" in text and "Per question" in text
    assert "1 at 1, 2 at 4" in text and "Budget left this month" in text and "Within budget" in text
    plain = tutor.post(path, ask(topic))
    assert plain.status_code == 200 and "<h1>" in plain.text and "Estimated cost" in text_of(plain)
    assert 'value="2"' in plain.text  # the typed mix is kept


def test_a_refused_estimate_or_generation_keeps_the_input_and_names_the_field(browser_of, practice, topic):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/ai"
    refused = tutor.post(base + "/generate", ask(topic, count="0"))
    assert refused.status_code == 422
    assert 'id="count-error"' in refused.text and 'id="count" name="count" type="number" value="0"' in refused.text
    assert f'<option value="{topic}" selected>' in refused.text
    swapped = tutor.post(base + "/estimate", ask(topic, count="lots"), headers=HTMX)
    assert "Not estimated" in text_of(swapped) and "Count:" in text_of(swapped)
    page_without_material = tutor.post(base + "/generate", ask(topic, material_page="2"))
    assert page_without_material.status_code == 422 and 'id="material_page-error"' in page_without_material.text
    unknown_topic = tutor.post(base + "/generate", ask(str(uuid.uuid4())))
    assert unknown_topic.status_code == 404 and "no such topic" in text_of(unknown_topic)
    bad_weight = tutor.post(base + "/generate", ask(topic, **{"difficulty_mix.5": "-3"}))
    assert bad_weight.status_code == 422 and 'id="difficulty_mix.5-error"' in bad_weight.text


def test_generate_follow_the_job_and_approve_its_drafts(browser_of, practice, topic, engines, owner):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/ai"
    started = tutor.post(base + "/generate", ask(topic))
    assert started.status_code == 303, started.text
    job_path = started.headers["location"]
    job_id = uuid.UUID(job_path.rsplit("/", 1)[1])
    queued = tutor.get(job_path)
    assert queued.status_code == 200
    status = re.search(r'<div id="job-status".*?</div>', queued.text, re.S).group(0)
    assert "queued" in text_of_html(status) and 'hx-trigger="every 2s"' in status
    polled = tutor.get(job_path + "/status", headers=HTMX)
    assert polled.status_code == 200 and 'id="job-status"' in polled.text and "HX-Refresh" not in polled.headers
    assert "Cancel job" in text_of(queued)

    assert execute(engines, uuid.UUID(practice.workspace_id), job_id) == "succeeded"
    done = tutor.get(job_path)
    status = re.search(r'<div id="job-status".*?</div>', done.text, re.S).group(0)
    assert "succeeded" in text_of_html(status) and "hx-trigger" not in status
    assert tutor.get(job_path + "/status", headers=HTMX).headers.get("HX-Refresh") == "true"
    assert "Results" in text_of(done) and "Requested 3" in text_of(done)
    review = re.search(r'href="([^"]*/ai/drafts\?batch=[^"]+)"', done.text).group(1)

    drafts = tutor.get(review)
    assert drafts.status_code == 200
    ids = re.findall(r'name="ids\[\]" value="([0-9a-f-]+)"', drafts.text)
    assert len(ids) >= 2 and "<math" in drafts.text and "ns0:" not in drafts.text and "Quality score" in text_of(drafts)
    assert "Checks: LaTeX renders: yes ; answer specification valid: yes ; difficulty as asked: yes" in text_of(drafts)
    nothing = tutor.post(base + "/drafts/approve", {"batch": str(job_id)})
    assert nothing.status_code == 422 and "Select at least one draft" in text_of(nothing)
    approved = tutor.post(base + "/drafts/approve", {"ids[]": ids[:2], "batch": str(job_id)})
    assert approved.status_code == 303
    after = tutor.get(approved.headers["location"])
    assert "Approved 2 drafts" in text_of(after) and ids[0] not in after.text
    active = owner.execute("SELECT count(*) FROM questions WHERE id = ANY(%s) AND status = 'active'",
                           ([uuid.UUID(i) for i in ids[:2]],)).fetchone()[0]
    assert active == 2
    again = tutor.post(base + "/drafts/approve", {"ids[]": ids[0]})
    assert again.status_code == 409 and "only AI-generated drafts can be approved" in text_of(again)


def test_draft_checks_read_the_generation_metadata(practice, topic, engines, owner, app_db):
    ctx = RequestContext(engine=app_db, token=practice.tutor.session["token"], ip=None, user_agent=None)
    ws = uuid.UUID(practice.workspace_id)
    body = GenerationBody(topic_id=topic, count=2)
    job_id = ai_service.start_generation(ctx, ws, body).job_id
    assert execute(engines, ws, job_id) == "succeeded"
    drafts = ai_service.list_drafts(ctx, ws, job_id, 10, None).items
    owner.execute("UPDATE questions SET generation_metadata = jsonb_set(generation_metadata, "
                  "'{quality_checks,difficulty_appropriate}', 'false') WHERE id = %s", (drafts[0].id,))
    written = question(owner, ws)
    checks = ai_service.draft_checks(ctx, ws, [d.id for d in drafts] + [written])
    assert set(checks) == {d.id for d in drafts}  # a question written by hand has no generation checks
    first = checks[drafts[0].id]
    assert first.validation_passed and first.latex_valid and first.answer_parseable
    assert first.difficulty_appropriate is False and first.similar_questions >= 0
    student = RequestContext(engine=app_db, token=practice.student.session["token"], ip=None, user_agent=None)
    with pytest.raises(Problem) as refused:
        ai_service.draft_checks(student, ws, [drafts[0].id])
    assert refused.value.status == 403


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_cancel_and_retry_a_job(browser_of, practice, topic):
    tutor = browser_of(practice.tutor)
    job_path = tutor.post(f"/w/{practice.workspace_id}/ai/generate", ask(topic)).headers["location"]
    assert tutor.post(job_path + "/cancel").status_code == 303
    cancelled = tutor.get(job_path)
    assert "cancelled" in text_of(cancelled) and "Run again" in text_of(cancelled)
    refused = tutor.post(job_path + "/cancel")
    assert refused.status_code == 409 and "only a queued or running job can be cancelled" in text_of(refused)
    assert tutor.post(job_path + "/retry").status_code == 303
    assert "queued" in text_of(tutor.get(job_path))
    assert tutor.post(job_path + "/explode").status_code in (404, 405)
    assert tutor.post(f"/w/{practice.workspace_id}/ai/jobs/{uuid.uuid4()}/cancel").status_code == 404


def test_a_failed_job_says_why_in_words(browser_of, practice, topic, owner):
    tutor = browser_of(practice.tutor)
    job_path = tutor.post(f"/w/{practice.workspace_id}/ai/generate", ask(topic)).headers["location"]
    owner.execute("UPDATE jobs SET status = 'failed', finished_at = now(), error_text = %s WHERE id = %s",
                  ("the provider refused the request: invalid API key", job_path.rsplit("/", 1)[1]))
    page = tutor.get(job_path)
    status = re.search(r'<div id="job-status".*?</div>', page.text, re.S).group(0)
    assert "failed" in text_of_html(status) and "hx-trigger" not in status
    assert "Failed: the provider refused the request: invalid API key" in text_of(page)
    assert "Run again" in text_of(page) and "Cancel job" not in text_of(page)


@pytest.fixture
def openai_configured(monkeypatch):
    """A server with an AI key (nothing here calls the provider: estimates use the offline price table)."""
    monkeypatch.setenv("TUTORASSIST_AI_API_KEY", "test-key")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_with_a_provider_configured_the_form_offers_it_and_refuses_over_budget(browser_of, practice, topic,
                                                                              openai_configured):
    assert practice.tutor.http.patch(practice.path(), json={"settings": {"ai_monthly_budget_usd": 0.001}}).status_code == 200
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/ai"
    form = tutor.get(base)
    assert '<label for="provider">Provider' in form.text and '<label for="mode">When' in form.text
    big = ask(topic, count="20", provider="openai", mode="batch")
    estimate = text_of(tutor.post(base + "/estimate", big, headers=HTMX))
    assert "openai" in estimate and "Over budget" in estimate and "of $0.00" in estimate
    refused = tutor.post(base + "/generate", big)
    assert refused.status_code == 409 and "monthly AI budget" in text_of(refused)
    assert '<option value="batch" selected>' in refused.text and 'value="20"' in refused.text


def test_ai_pages_are_for_this_workspaces_tutors_only(browser_of, practice, topic):
    student, outsider = browser_of(practice.student), browser_of(practice.outsider)
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/ai"
    for path in ("", "/drafts", "/materials", f"/jobs/{uuid.uuid4()}"):
        assert student.get(base + path).status_code == 403, path
        assert outsider.get(base + path).status_code == 404, path
    assert student.post(base + "/generate", ask(topic)).status_code == 403
    assert tutor.get(f"{base}/jobs/{uuid.uuid4()}").status_code == 404
    assert tutor.get(f"{base}/jobs/not-a-job").status_code == 404
    assert tutor.get(f"{base}/drafts", params={"batch": "nope"}).status_code == 422


def test_materials_paste_upload_refuse_and_delete(browser_of, practice):
    tutor = browser_of(practice.tutor)
    base = f"/w/{practice.workspace_id}/ai/materials"
    empty = tutor.post(base + "/text", {"title": "Notes", "content_text": ""})
    assert empty.status_code == 422 and 'id="content_text-error"' in empty.text and 'value="Notes"' in empty.text
    assert tutor.post(base + "/text", {"title": "Pasted notes", "content_text": "Solve 2x + 3 = 7."}).status_code == 303
    pdf = make_pdf(["Linear equations worksheet"])
    uploaded = tutor.post(base + "/upload", {"upload_title": "Worksheet"},
                          files={"file": ("worksheet.pdf", pdf, "application/pdf")})
    assert uploaded.status_code == 303, uploaded.text
    listed = tutor.get(base)
    assert "Pasted notes" in text_of(listed) and "Worksheet" in text_of(listed) and "PDF" in text_of(listed)
    image = tutor.post(base + "/upload", {"upload_title": "Photo"}, files={"file": ("photo.png", b"\x89PNG", "image/png")})
    assert image.status_code == 415 and 'id="file-error"' in image.text and 'value="Photo"' in image.text
    broken = tutor.post(base + "/upload", {"upload_title": "Broken"},
                        files={"file": ("broken.pdf", b"%PDF-1.4 garbage", "application/pdf")})
    assert broken.status_code == 422 and 'id="file-error"' in broken.text
    missing = tutor.post(base + "/upload", {"upload_title": "Nothing"})
    assert missing.status_code == 422 and 'id="file-error"' in missing.text
    too_large = tutor.post(base + "/upload", {"upload_title": "Huge"},
                           files={"file": ("huge.pdf", b"0" * (MAX_UPLOAD_BYTES + 1), "application/pdf")})
    assert too_large.status_code == 413 and 'id="file-error"' in too_large.text and "20 MB" in text_of(too_large)
    generate_form = tutor.get(f"/w/{practice.workspace_id}/ai")
    assert "Worksheet (1 pages)" in generate_form.text
    material_id = re.search(r'/ai/materials/([0-9a-f-]+)/delete', listed.text).group(1)
    assert tutor.post(f"{base}/{material_id}/delete").status_code == 303
    assert material_id not in tutor.get(base).text
    assert tutor.post(f"{base}/{material_id}/delete").status_code == 404


_FIELD = st.one_of(st.text(max_size=12), st.sampled_from(["", "0", "1", "200", "201", "-1", "1e3", "3.5", "null"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.fixed_dictionaries({}, optional={
    "topic_id": st.one_of(_FIELD, st.just("TOPIC")), "count": _FIELD, "difficulty_mix.1": _FIELD,
    "difficulty_mix.5": _FIELD, "material_page": _FIELD, "source_material_id": _FIELD, "provider": _FIELD,
    "mode": _FIELD, "extra": _FIELD}), action=st.sampled_from(["estimate", "generate"]))
def test_no_generation_form_gives_a_server_error(browser_of, practice, topic, fields, action):
    if not hasattr(practice, "_tutor_browser"):
        practice._tutor_browser = browser_of(practice.tutor)
    data = {k: (topic if v == "TOPIC" else v) for k, v in fields.items()}
    response = practice._tutor_browser.post(f"/w/{practice.workspace_id}/ai/{action}", data)
    assert response.status_code < 500, (data, response.text[:500])
