"""Source materials over HTTP: text and PDF uploads, pasted text, limits, roles and tenant isolation."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest

from tests.api.helpers import fields, problem
from tutorassist.questions.materials import service


def make_pdf(pages: list[str]) -> bytes:
    """A minimal PDF 1.4 with one Helvetica line per page and a correct xref table."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, line in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 712 Td ({line}) Tj ET".encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                       f"/Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def upload(person, ws: str, name: str, data: bytes, mime: str, title: str = "Notes", **form) -> httpx.Response:
    return person.http.post(f"/workspaces/{ws}/materials", files={"file": (name, data, mime)}, data={"title": title} | form)


@pytest.fixture
def guardian(practice, people):
    token = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                     json={"role": "guardian", "email": "parent@example.com"}).json()["token"]
    return people("Guardian", invite_token=token, email="parent@example.com")


def test_text_upload_is_stored_with_its_facts(practice):
    tutor, ws = practice.tutor, practice.workspace_id
    topic = tutor.http.post(practice.path("/topics"), json={"name": "Algebra"}).json()
    data = "Solve 2x + 3 = 7 — ½ of x²\n".encode()
    created = upload(tutor, ws, "notes.txt", data, "text/plain; charset=utf-8", title=" Linear notes ", topic_id=topic["id"])
    assert created.status_code == 201, created.text
    material = created.json()
    assert material | {"title": "Linear notes", "kind": "text", "file_name": "notes.txt", "mime_type": "text/plain",
                       "byte_size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "page_count": None,
                       "content_text": data.decode(), "topic_id": topic["id"], "created_by": str(tutor.id)} == material
    assert tutor.http.get(practice.path(f"/materials/{material['id']}")).json() == material
    listed = tutor.http.get(practice.path("/materials")).json()
    assert listed["next_cursor"] is None and [m["id"] for m in listed["items"]] == [material["id"]]
    assert "content_text" not in listed["items"][0] and "metadata" not in listed["items"][0]
    # A file sent as application/octet-stream is known by its extension.
    guessed = upload(tutor, ws, "more.txt", b"plain", "application/octet-stream")
    assert guessed.status_code == 201 and guessed.json()["kind"] == "text"


def test_pdf_text_is_extracted_page_by_page(practice):
    tutor, ws = practice.tutor, practice.workspace_id
    data = make_pdf(["Hello algebra"])
    one = upload(tutor, ws, "worksheet.pdf", data, "application/pdf").json()
    assert one | {"kind": "pdf", "mime_type": "application/pdf", "page_count": 1, "byte_size": len(data),
                  "content_text": "Hello algebra", "sha256": hashlib.sha256(data).hexdigest()} == one
    assert one["metadata"]["pages"] == [{"page": 1, "start": 0, "end": 13}]
    two = upload(tutor, ws, "two.pdf", make_pdf(["Hello algebra", "Second page"]), "application/octet-stream").json()
    assert two["page_count"] == 2 and two["content_text"] == "Hello algebra\n\nSecond page"
    pages = two["metadata"]["pages"]
    assert [two["content_text"][p["start"]:p["end"]] for p in pages] == ["Hello algebra", "Second page"]


def test_unreadable_files_are_refused_and_nothing_is_stored(practice):
    tutor, ws = practice.tutor, practice.workspace_id
    for name, data, mime in [("bad.txt", b"caf\xe9 latin-1", "text/plain"), ("broken.pdf", b"%PDF-1.4 garbage", "application/pdf"),
                             ("cut.pdf", make_pdf(["Hello algebra"])[:150], "application/pdf"), ("empty.txt", b"", "text/plain")]:
        body = problem(upload(tutor, ws, name, data, mime), 422)
        assert fields(body) == {"file"}, body
    assert "UTF-8" in problem(upload(tutor, ws, "bad.txt", b"\xff\xfe", "text/plain"), 422)["detail"]
    assert "PDF" in problem(upload(tutor, ws, "x.pdf", b"%PDF-1.4 garbage", "application/pdf"), 422)["detail"]
    problem(upload(tutor, ws, "image.png", b"\x89PNG....", "image/png"), 415)
    assert fields(problem(tutor.http.post(practice.path("/materials"), data={"title": "No file"}), 422)) == {"file"}
    assert fields(problem(upload(tutor, ws, "a.txt", b"x", "text/plain", title="   "), 422)) == {"title"}
    assert fields(problem(upload(tutor, ws, "a.txt", b"x", "text/plain", topic_id="nope"), 422)) == {"topic_id"}
    assert fields(problem(upload(tutor, ws, "a.txt", b"x", "text/plain", topic_id=str(uuid.uuid4())), 422)) == {"topic_id"}
    assert tutor.http.get(practice.path("/materials")).json()["items"] == []


def test_size_limit(practice, monkeypatch):
    tutor, ws = practice.tutor, practice.workspace_id
    # The real limit, 20 MB: refused after reading the upload, and before reading it when declared too large.
    problem(upload(tutor, ws, "big.txt", b"x" * (service.MAX_UPLOAD_BYTES + 1), "text/plain"), 413)
    problem(upload(tutor, ws, "big.txt", b"x" * (21 * 1024 * 1024 + 1), "text/plain"), 413)
    assert tutor.http.get(practice.path("/materials")).json()["items"] == []
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 1000)  # the server runs in this process
    assert upload(tutor, ws, "ok.txt", b"x" * 1000, "text/plain").status_code == 201
    assert "limit" in problem(upload(tutor, ws, "big.txt", b"x" * 1001, "text/plain"), 413)["detail"]
    # Declared too large: refused before the body is read.
    problem(upload(tutor, ws, "huge.txt", b"x" * (1000 + 1024 * 1024 + 1), "text/plain"), 413)
    problem(tutor.http.post(practice.path("/materials/text"), json={"title": "Big", "content_text": "é" * 501}), 413)
    assert len(tutor.http.get(practice.path("/materials")).json()["items"]) == 1


def test_pasted_text_pagination_filter_and_delete(practice):
    tutor = practice.tutor
    topic = tutor.http.post(practice.path("/topics"), json={"name": "Algebra"}).json()
    made = []
    for n in range(3):
        response = tutor.http.post(practice.path("/materials/text"),
                                   json={"title": f"Pasted {n}", "content_text": f"x = {n}", **({"topic_id": topic["id"]} if n else {})})
        assert response.status_code == 201, response.text
        made.append(response.json())
    assert made[0] | {"kind": "text", "mime_type": "text/plain", "file_name": None, "byte_size": 5, "content_text": "x = 0"} == made[0]
    first = tutor.http.get(practice.path("/materials"), params={"limit": 2}).json()
    second = tutor.http.get(practice.path("/materials"), params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert second["next_cursor"] is None
    assert [m["id"] for m in first["items"] + second["items"]] == [m["id"] for m in reversed(made)]
    filtered = tutor.http.get(practice.path("/materials"), params={"topic_id": topic["id"]}).json()["items"]
    assert {m["id"] for m in filtered} == {made[1]["id"], made[2]["id"]}
    assert fields(problem(tutor.http.get(practice.path("/materials"), params={"cursor": "bogus"}), 422)) == {"cursor"}
    for body, field in [({"title": "T", "content_text": ""}, "content_text"), ({"content_text": "x"}, "title"),
                        ({"title": "T", "content_text": "x", "topic_id": str(uuid.uuid4())}, "topic_id"),
                        ({"title": "T", "content_text": "a\x00b"}, "content_text"), ({"title": "T", "content_text": "x", "kind": "pdf"}, "kind")]:
        assert field in fields(problem(tutor.http.post(practice.path("/materials/text"), json=body), 422)), body
    # Deleting the topic leaves its materials, unfiled.
    assert tutor.http.delete(practice.path(f"/topics/{topic['id']}")).status_code == 204
    assert tutor.http.get(practice.path(f"/materials/{made[1]['id']}")).json()["topic_id"] is None
    assert tutor.http.delete(practice.path(f"/materials/{made[0]['id']}")).status_code == 204
    problem(tutor.http.get(practice.path(f"/materials/{made[0]['id']}")), 404)
    problem(tutor.http.delete(practice.path(f"/materials/{made[0]['id']}")), 404)
    assert len(tutor.http.get(practice.path("/materials")).json()["items"]) == 2


def test_students_and_guardians_are_refused(practice, guardian):
    material = practice.tutor.http.post(practice.path("/materials/text"), json={"title": "T", "content_text": "x"}).json()
    for person in (practice.student, guardian):
        problem(person.http.get(practice.path("/materials")), 403)
        problem(person.http.get(practice.path(f"/materials/{material['id']}")), 403)
        problem(person.http.post(practice.path("/materials/text"), json={"title": "T", "content_text": "x"}), 403)
        problem(upload(person, practice.workspace_id, "a.txt", b"x", "text/plain"), 403)
        problem(person.http.delete(practice.path(f"/materials/{material['id']}")), 403)
    assert practice.tutor.http.get(practice.path(f"/materials/{material['id']}")).json() == material


def test_outsiders_can_neither_see_nor_touch_nor_reference_materials(practice):
    tutor, outsider = practice.tutor, practice.outsider
    topic = tutor.http.post(practice.path("/topics"), json={"name": "Algebra"}).json()
    material = tutor.http.post(practice.path("/materials/text"), json={"title": "T", "content_text": "x", "topic_id": topic["id"]}).json()
    own = f"/workspaces/{practice.outsider_workspace_id}/materials"
    for response in [
        outsider.http.get(practice.path("/materials")), outsider.http.get(practice.path(f"/materials/{material['id']}")),
        outsider.http.delete(practice.path(f"/materials/{material['id']}")),
        outsider.http.post(practice.path("/materials/text"), json={"title": "T", "content_text": "x"}),
        upload(outsider, practice.workspace_id, "a.txt", b"x", "text/plain"),
        outsider.http.get(f"{own}/{material['id']}"), outsider.http.delete(f"{own}/{material['id']}"),
    ]:
        problem(response, 404)
    # Filing one's own material under the other workspace's topic: refused, nothing stored.
    assert fields(problem(outsider.http.post(f"{own}/text", json={"title": "T", "content_text": "x", "topic_id": topic["id"]}), 422)) == {"topic_id"}
    assert fields(problem(upload(outsider, practice.outsider_workspace_id, "a.txt", b"x", "text/plain", topic_id=topic["id"]), 422)) == {"topic_id"}
    assert outsider.http.get(own, params={"topic_id": topic["id"]}).json()["items"] == []
    assert outsider.http.get(own).json()["items"] == []
    assert tutor.http.get(practice.path(f"/materials/{material['id']}")).json() == material
