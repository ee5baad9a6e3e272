"""Every module that registers job types or periodic maintenance; a worker imports this before it starts."""

from tutorassist.ai import jobs as _ai_jobs  # noqa: F401  GENERATE_QUESTIONS(_BATCH), SYLLABUS_GENERATE, POLL_PROVIDER_BATCHES
from tutorassist.analytics import maintenance as _analytics_maintenance  # noqa: F401  REFRESH_ITEM_STATISTICS
from tutorassist.embeddings import jobs as _embedding_jobs  # noqa: F401  EMBED_QUESTIONS, REEMBED_ALL
from tutorassist.jobs import maintenance as _maintenance  # noqa: F401  RECONCILE_STATS, REFRESH_ANALYTICS, ...
from tutorassist.operations import maintenance as _operations_maintenance  # noqa: F401  RETENTION
