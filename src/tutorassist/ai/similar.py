"""Which questions of the workspace a generated one resembles: its embedding against theirs (the configured
embedding provider, docs/embeddings.md), so a reworded copy is found however it is phrased.

The job keeps the workspace's embeddings current itself before it compares (questions written by hand or imported
since the last embedding job, and its own questions after each call), so nothing depends on another job having run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy.engine import Connection

from tutorassist.ai.pipeline import Checked
from tutorassist.embeddings import providers, similarity
from tutorassist.embeddings.jobs import usage_sink
from tutorassist.embeddings.service import check_model, embed_questions
from tutorassist.embeddings.text import question_text
from tutorassist.jobs.context import JobContext
from tutorassist.jobs.registry import JobFailed, RetryLater

NEIGHBOURS = 5


@contextmanager
def _provider_errors() -> Iterator[None]:
    try:
        yield
    except providers.ProviderUnavailable as exc:
        raise RetryLater(f"embedding provider busy: {exc}", exc.retry_after) from None
    except providers.ProviderRefused as exc:
        raise JobFailed(f"the embedding provider refused: {exc}") from None


class EmbeddingSimilar:
    """A SimilarFn for one job run: `(conn, workspace_id, checked) -> [(question_id, cosine similarity)]`."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        with _provider_errors():
            self.provider = providers.configured(usage=usage_sink(ctx))

    def refresh(self, question_ids: list[UUID] | None = None) -> int:
        """Embed the workspace's questions (or these) whose embedding is missing or stale; how many were embedded."""
        with _provider_errors():
            return embed_questions(self.ctx.acting, self.ctx.workspace_id, self.provider, question_ids).embedded

    def __call__(self, conn: Connection, workspace_id: UUID, checked: Checked) -> list[tuple[UUID, float]]:
        text = question_text(checked.candidate.prompt_latex, checked.candidate.answer_type)
        with _provider_errors():
            dimensions = check_model(conn, self.provider)
            [vector] = self.provider.embed([text])
        return [(s.question_id, s.similarity) for s in
                similarity.similar_to_vector(conn, workspace_id, self.provider.model, dimensions, vector, NEIGHBOURS)]
