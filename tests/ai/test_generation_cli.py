"""`tutorassist ai estimate|generate|drafts|approve` on a real database: the same rules as the API, clear messages
and non-zero exits for bad input."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tutorassist.cli.main import app
from tutorassist.config import get_settings


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.delenv("TUTORASSIST_AI_API_KEY", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def _email(owner, user_id):
    return owner.execute("SELECT email FROM users WHERE id = %s", (user_id,)).fetchone()[0]


def test_generate_here_then_review_and_approve(cli, owner, world):
    who = ("--workspace", world.workspace_id, "--as", _email(owner, world.tutor_id))
    estimate = cli("ai", "estimate", *who, "--topic", world.topic_id, "--count", 4)
    assert estimate.exit_code == 0, estimate.output
    assert "offline" in estimate.output and "0.000000" in estimate.output
    made = cli("ai", "generate", *who, "--topic", world.topic_id, "--count", 4, "--mix", "1=1,2=1", "--run-here")
    assert made.exit_code == 0, made.output
    assert re.search(r"generated [34] of 4", made.output)
    drafts = cli("ai", "drafts", *who)
    assert drafts.exit_code == 0 and "item-0000" in drafts.output
    ids = [r[0] for r in owner.execute("SELECT id FROM questions WHERE workspace_id = %s AND status = 'draft' "
                                       "AND origin = 'ai_generated'", (world.workspace_id,)).fetchall()]
    approved = cli("ai", "approve", *ids[:2], *who)
    assert approved.exit_code == 0 and "approved 2 question(s)" in approved.output
    again = cli("ai", "approve", ids[0], *who)
    assert again.exit_code == 1 and "only AI-generated drafts can be approved" in again.output


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--mix", "easy"), 2, "--mix takes DIFFICULTY=WEIGHT pairs"),
    (("--mix", "9=1"), 2, "difficulty_mix"),
    (("--page", 2), 2, "material_page"),
    (("--mode", "batch"), 1, "batch mode needs"),
])
def test_bad_requests_exit_non_zero_with_a_message(cli, owner, world, args, code, message):
    result = cli("ai", "estimate", "--workspace", world.workspace_id, "--as", _email(owner, world.tutor_id),
                 "--topic", world.topic_id, *args)
    assert result.exit_code == code and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_non_member_cannot_act(cli, owner, world):
    result = cli("ai", "drafts", "--workspace", world.workspace_id, "--as", _email(owner, world.other_tutor))
    assert result.exit_code == 1 and "is not a member" in result.output
