"""Prompts of questions by id, for pages that list other things about questions (attempts, flags)."""

from __future__ import annotations

from uuid import UUID

from tutorassist.api.context import RequestContext

MAX_IDS = 500


def prompts(ctx: RequestContext, ws: UUID, question_ids: list[UUID]) -> dict[UUID, str]:
    """The prompt (LaTeX) of each question the caller may see, in one query; ids it may not see are left out."""
    ids = list(dict.fromkeys(question_ids))[:MAX_IDS]
    if not ids:
        return {}
    with ctx.tx(ws) as tx:
        rows = tx.all("SELECT id, prompt_latex FROM questions WHERE workspace_id = :w AND id = ANY(CAST(:ids AS uuid[]))",
                      w=ws, ids=[str(i) for i in ids])
        return {r["id"]: r["prompt_latex"] for r in rows}
