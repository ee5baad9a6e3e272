"""Every ORM model, imported so that Base.metadata describes the whole schema (tables of schema public).

Use ``from tutorassist.db.models import Base`` wherever the complete metadata is needed (schema comparison, tooling).
"""

from __future__ import annotations

from tutorassist.ai.models import AIUsageLog
from tutorassist.analytics.models import AnalyticsDaily
from tutorassist.analytics.quality_models import ItemStatisticsRefresh, QuestionItemStatistics, TopicWrongAnswerNote
from tutorassist.assignments.models import Assignment, AssignmentItem
from tutorassist.audit.models import AuditLog
from tutorassist.db.base import Base
from tutorassist.embeddings.models import EmbeddingModel, QuestionEmbedding
from tutorassist.exports.models import PdfExport
from tutorassist.identity.models import (
    AuthSession,
    InviteToken,
    SignInAttempt,
    StudentProfile,
    User,
    Workspace,
    WorkspaceMember,
)
from tutorassist.jobs.models import Job
from tutorassist.learning.models import (
    Attempt,
    QuestionFlag,
    SpacedRepetition,
    StudentProgressSnapshot,
    TutorFeedback,
)
from tutorassist.questions.models import (
    GradeLevel,
    Question,
    QuestionBatch,
    QuestionGradeLevel,
    QuestionHistory,
    QuestionProgram,
    SourceMaterial,
    StudyProgram,
    Topic,
)
from tutorassist.scheduling.models import OAuthConnection, TutoringSession

__all__ = [
    "AIUsageLog",
    "AnalyticsDaily",
    "Assignment",
    "AssignmentItem",
    "Attempt",
    "AuditLog",
    "AuthSession",
    "Base",
    "EmbeddingModel",
    "GradeLevel",
    "InviteToken",
    "ItemStatisticsRefresh",
    "Job",
    "OAuthConnection",
    "PdfExport",
    "Question",
    "QuestionBatch",
    "QuestionEmbedding",
    "QuestionFlag",
    "QuestionGradeLevel",
    "QuestionHistory",
    "QuestionItemStatistics",
    "QuestionProgram",
    "SignInAttempt",
    "SourceMaterial",
    "SpacedRepetition",
    "StudentProfile",
    "StudentProgressSnapshot",
    "StudyProgram",
    "Topic",
    "TutorFeedback",
    "TutoringSession",
    "TopicWrongAnswerNote",
    "User",
    "Workspace",
    "WorkspaceMember",
]
