"""The issue's flow in headless Chromium, through the pages only (people are signed up through the API, as their
accounts would exist): a tutor creates a workspace, a topic and a student, invites the student, writes three questions
in the editor with its live previews, and builds an assignment; the student signs up through the invite link, answers
(one right, one equivalent but in the wrong form, one garbage that is not recorded), and flags a question; the tutor
sees the home grid and open flags change, reads the attempt's note, sends feedback and resolves the flag.

Labels and ids are the pages' UI contract (docs of each area); every main page visited is checked by axe-core and
saved as a screenshot.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.helpers import check_page, sign_in

UUID = r"[0-9a-f-]{36}"
SLOW = 20_000  # ms: the first answer check of a server process starts its checker


def create_workspace(page, name: str) -> str:
    """From the workspace list, create one; returns its id (the home page it lands on)."""
    page.goto("/w")
    check_page(page, "workspaces")
    page.get_by_label("Workspace name").fill(name)
    page.get_by_role("button", name="Create workspace").click()
    page.wait_for_url(re.compile(rf"/w/{UUID}$"))
    return page.url.rsplit("/", 1)[1]


def labelled(page, label: str):
    """The field labelled exactly `label`, allowing the required marker (a `*` hidden from screen readers)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def open_flag_count(page) -> int:
    text = page.locator("#open-flags").inner_text()
    numbers = re.findall(r"\d+", text)
    assert numbers, f"#open-flags says no number: {text!r}"
    return int(numbers[0])


def test_sign_in_and_create_a_workspace(new_context, people):
    """The foundation's part of the flow: the sign-in form leads to the workspace list, a workspace is created."""
    tutor = people("Tia")
    page = new_context().new_page()
    page.goto("/w")
    expect(page).to_have_url(re.compile(r"/signin\?next=/w$"))
    check_page(page, "signin")
    page.get_by_label("Email").fill(tutor.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong email or password")
    expect(page.get_by_label("Email")).to_have_value(tutor.email)
    page.get_by_label("Password").fill(tutor.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/w$"))
    workspace_id = create_workspace(page, "Maths with Tia")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/w")
    expect(page.get_by_role("link", name="Maths with Tia").first).to_have_attribute("href", f"/w/{workspace_id}")


# The three questions: a marker word in each prompt tells them apart on every page (prompts are rendered as MathML).
QUESTIONS = {
    "Alpha": {"prompt": r"Alpha: simplify $x + x$.", "value": "2x", "form": "", "answer": "2x"},
    "Beta": {"prompt": r"Beta: expand the product $(x+2)(x+3)$.", "value": "x^2+5x+6", "form": "expanded",
             "answer": "(x+2)(x+3)"},
    "Gamma": {"prompt": r"Gamma: simplify $\frac{6x}{3}$.", "value": "2x", "form": "", "answer": "2x",
              "garbage": ")(*&"},
}


def select_containing(select, text: str) -> None:
    """Choose the option whose text contains `text` (a tree of topics may indent its names)."""
    select.select_option(select.locator("option", has_text=text).first.get_attribute("value"))


def write_question(page, workspace_id: str, marker: str, topic: str) -> str:
    spec = QUESTIONS[marker]
    page.goto(f"/w/{workspace_id}/questions")
    if marker == "Beta":
        check_page(page, "question-bank")
    page.get_by_role("link", name="New question").click()
    page.wait_for_url(f"**/w/{workspace_id}/questions/new")
    labelled(page, "Prompt").fill(spec["prompt"])
    expect(page.locator("#question-preview math").first).to_be_attached()
    select_containing(labelled(page, "Topic"), topic)
    labelled(page, "Answer type").select_option("expression")
    labelled(page, "Correct answer").fill(spec["value"])
    if spec["form"]:
        labelled(page, "Required form").select_option(spec["form"])
    page.get_by_label("Hints (one per line)").fill("Collect the terms in x.")
    labelled(page, "Solution").fill(f"The answer is ${spec['value']}$.")
    labelled(page, "Status").select_option("active")
    page.get_by_label("Try an answer").press_sequentially(spec["answer"])
    expect(page.locator("#checker-preview")).to_contain_text("Interpreted as", timeout=SLOW)
    expect(page.locator("#checker-preview")).to_contain_text(re.compile(r"Correct|Incorrect|Not understood"))
    if marker == "Beta":
        expect(page.locator("#checker-preview")).to_contain_text("Incorrect")  # equivalent, but not expanded
        check_page(page, "question-editor")
    page.get_by_role("button", name="Save question").click()
    page.wait_for_url(re.compile(rf"/w/{workspace_id}/questions/{UUID}$"))
    expect(page.locator("main math").first).to_be_attached()
    if marker == "Beta":
        check_page(page, "question")
    return page.url.rsplit("/", 1)[1]


def answer(page, text: str) -> None:
    """Type the answer key by key, as a student does (the live preview follows keystrokes)."""
    box = page.get_by_label("Your answer")
    box.fill("")
    box.press_sequentially(text)


def test_tutor_and_student_through_the_pages(new_context, people, site):
    tutor = people("Tara")
    tutor_page = sign_in(new_context(), tutor)
    workspace_id = create_workspace(tutor_page, "Algebra with Tara")
    base = f"/w/{workspace_id}"
    check_page(tutor_page, "tutor-home-empty")

    # A topic.
    tutor_page.goto(f"{base}/topics")
    tutor_page.get_by_label("Topic name").fill("Quadratics")
    tutor_page.get_by_role("button", name="Create topic").click()
    expect(tutor_page.locator("main")).to_contain_text("Quadratics")
    check_page(tutor_page, "topics")

    # A student, invited from their page.
    student_email = f"sam.{uuid.uuid4().hex[:6]}@example.com"
    tutor_page.goto(f"{base}/students")
    labelled(tutor_page, "Name").fill("Sam Student")
    labelled(tutor_page, "Email").fill(student_email)
    tutor_page.get_by_role("button", name="Add student").click()
    expect(tutor_page.get_by_role("link", name="Sam Student").first).to_be_visible()
    check_page(tutor_page, "students")
    tutor_page.get_by_role("link", name="Sam Student").first.click()
    tutor_page.wait_for_url(re.compile(rf"{base}/students/{UUID}$"))
    tutor_page.get_by_role("button", name="Invite", exact=True).click()
    invite_link = tutor_page.locator("#invite-link")
    expect(invite_link).to_have_value(re.compile(rf"^{re.escape(site)}/invite/\S+$"))
    expect(tutor_page.get_by_label("Invite link")).to_have_value(invite_link.input_value())
    invite_url = invite_link.input_value()
    check_page(tutor_page, "student")

    # Three questions, each with the live previews of the prompt and of the answer checker.
    question_ids = {marker: write_question(tutor_page, workspace_id, marker, "Quadratics") for marker in QUESTIONS}

    # An assignment of the three for the student.
    tutor_page.goto(f"{base}/assignments")
    tutor_page.get_by_role("link", name="New assignment").click()
    tutor_page.wait_for_url(f"**{base}/assignments/new")
    labelled(tutor_page, "Title").fill("Week 1")
    for marker in QUESTIONS:
        tutor_page.get_by_role("checkbox", name=re.compile(marker)).check()
    tutor_page.get_by_role("checkbox", name=re.compile("Sam Student")).check()
    check_page(tutor_page, "assignment-new")
    tutor_page.get_by_role("button", name="Create assignment").click()
    tutor_page.wait_for_url(lambda url: not url.endswith("/assignments/new"))
    expect(tutor_page.locator("main")).to_contain_text("Week 1")
    check_page(tutor_page, "assignment")

    tutor_page.goto(base)
    grid_before = tutor_page.locator("#mastery-grid").inner_text()
    assert "Quadratics" in grid_before and "Sam Student" in grid_before
    flags_before = open_flag_count(tutor_page)
    assert flags_before == 0
    check_page(tutor_page, "tutor-home")

    # The student signs up through the invite: the address is the invite's.
    student_page = new_context().new_page()
    student_page.goto(invite_url)
    student_page.wait_for_url(re.compile(r"/signup\?invite="))
    expect(student_page.get_by_label("Email")).to_have_value(student_email)
    student_page.get_by_label("Your name").fill("Sam Student")
    student_page.get_by_label("Password").fill("correct horse battery")
    check_page(student_page, "signup-invited")
    student_page.get_by_role("button", name="Create account").click()
    student_page.wait_for_url(re.compile(rf"{base}$"))
    expect(student_page.locator("#review-queue")).to_be_attached()
    check_page(student_page, "student-home")
    student_page.locator("#assignments").get_by_role("link", name=re.compile("Week 1")).click()

    # Answer the assignment's items in its order (the item order is the assignment page's business).
    answered: set[str] = set()
    for _ in QUESTIONS:
        student_page.wait_for_url(re.compile(rf"{base}/practice/{UUID}\?assignment={UUID}"))
        marker = next(m for m in QUESTIONS if question_ids[m] in student_page.url)
        spec = QUESTIONS[marker]
        if "garbage" in spec:
            answer(student_page, spec["garbage"])
            student_page.get_by_role("button", name="Submit answer").click()
            expect(student_page.locator("#answer-error")).to_be_visible(timeout=SLOW)
            expect(student_page.get_by_label("Your answer")).to_have_value(spec["garbage"])
            recorded = tutor.http.get(f"/workspaces/{workspace_id}/attempts",
                                      params={"question_id": question_ids[marker]}).json()["items"]
            assert recorded == [], "an answer that could not be understood was recorded"
            check_page(student_page, "practice-refused")
            # The student flags the question they could not answer.
            student_page.get_by_text("Flag this question").first.click()
            student_page.get_by_label("Reason").select_option("rendering_problem")
            student_page.get_by_label("Details").fill("I do not know how to type a fraction here.")
            student_page.get_by_role("button", name="Send flag").click()
            expect(student_page.locator("main")).to_contain_text("your tutor")
            # Back through today: the assignment's link leads to its first unanswered item, this one still.
            student_page.goto(base)
            student_page.locator("#assignments").get_by_role("link", name=re.compile("Week 1")).click()
            student_page.wait_for_url(re.compile(rf"/practice/{question_ids[marker]}\?assignment="))
        answer(student_page, spec["answer"])
        expect(student_page.locator("#answer-preview")).to_contain_text("Interpreted as", timeout=SLOW)
        if marker == "Alpha":
            check_page(student_page, "practice-question")
        student_page.get_by_role("button", name="Submit answer").click()
        result = student_page.locator("#answer-result")
        expect(result).to_be_visible(timeout=SLOW)
        if marker == "Beta":
            expect(result).to_contain_text("Not correct")
            note = student_page.locator("#answer-note").inner_text()
            assert re.search(r"[A-Za-z]+ [A-Za-z]+", note) and "_" not in note, f"the note is not in words: {note!r}"
            check_page(student_page, "practice-result")
        else:
            expect(result).to_contain_text("Correct")
            expect(result).not_to_contain_text("Not correct")
        answered.add(marker)
        if len(answered) < len(QUESTIONS):
            student_page.get_by_role("link", name="Next question").click()
            student_page.wait_for_url(lambda url, done=question_ids[marker]: done not in url)
    expect(student_page.get_by_role("link", name="Back to today")).to_be_visible()

    # The tutor's home has changed: mastery in the grid, one open flag.
    tutor_page.goto(base)
    assert tutor_page.locator("#mastery-grid").inner_text() != grid_before
    assert open_flag_count(tutor_page) == flags_before + 1
    check_page(tutor_page, "tutor-home-after")

    # The wrong-form attempt: its note in words, and feedback for the student.
    [beta_attempt] = tutor.http.get(f"/workspaces/{workspace_id}/attempts",
                                    params={"question_id": question_ids["Beta"]}).json()["items"]
    tutor_page.locator(f"#recent-attempts a[href$='{beta_attempt['id']}']").first.click()
    tutor_page.wait_for_url(f"**{base}/attempts/{beta_attempt['id']}")
    expect(tutor_page.locator("#answer-note")).to_contain_text(re.compile(r"[A-Za-z]+ [A-Za-z]+"))
    labelled(tutor_page, "Feedback").fill("Multiply the brackets out, then collect like terms.")
    check_page(tutor_page, "attempt")
    tutor_page.get_by_role("button", name="Send feedback").click()
    expect(tutor_page.locator("main")).to_contain_text("Multiply the brackets out")
    feedback = tutor.http.get(f"/workspaces/{workspace_id}/attempts/{beta_attempt['id']}").json()["tutor_feedback"]
    assert [f["body"] for f in feedback] == ["Multiply the brackets out, then collect like terms."]

    # The flag is triaged, and home counts it no more.
    tutor_page.goto(f"{base}/flags")
    flag = tutor_page.locator("article.flag")
    expect(flag).to_have_count(1)
    expect(flag).to_contain_text("Gamma")
    check_page(tutor_page, "flags")
    flag.get_by_label("Note").fill("The fraction is typed as 6x/3.")
    flag.get_by_role("button", name="Resolve").click()
    expect(tutor_page.locator("article.flag")).to_have_count(0)
    tutor_page.goto(base)
    assert open_flag_count(tutor_page) == flags_before
