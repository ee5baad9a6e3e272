"""The generation prompt, versioned: every generated question records the `PROMPT_VERSION` it was written with.

Change the text, change the version. The prompt gives the topic, its description and learning objectives, an
excerpt of the source material (a page when one is named, else the beginning, cut at a word boundary), and one
line per requested question with its difficulty; it asks for JSON matching `CandidateList`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tutorassist.ai.candidate import QuestionCandidate

PROMPT_VERSION = "gen-v1.0"
SYLLABUS_PROMPT_VERSION = "syllabus-v1.0"
MAX_MATERIAL_CHARS = 6000

DIFFICULTY_WORDS = {1: "very easy", 2: "easy", 3: "medium", 4: "hard", 5: "very hard"}


class CandidateList(BaseModel):
    """What the model must answer: the questions, one per requested item, in the order asked."""

    model_config = ConfigDict(extra="forbid")

    questions: list[QuestionCandidate]


@dataclass(frozen=True)
class TopicContext:
    topic_id: Any
    name: str
    description: str | None = None
    objectives: list[str] = field(default_factory=list)
    material_id: Any = None
    material_title: str | None = None
    material_text: str | None = None
    material_page: int | None = None

    def summary(self) -> str:
        """The topic as the prompt states it (recorded as source_context.topic_context)."""
        parts = [self.name] + ([self.description] if self.description else [])
        return ": ".join(parts)[:1000]


def excerpt(text: str | None, limit: int = MAX_MATERIAL_CHARS) -> str | None:
    if not text:
        return None
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + " […]"


SYSTEM = (
    "You write mathematics practice questions for a tutor. Each question is LaTeX-in-Markdown with math in $...$ or "
    "\\[...\\]. Give the answer as an answer specification of the answer type (number: {\"type\": \"number\", "
    "\"value\": \"12\"}; expression, equation, inequality, interval: {\"type\": ..., \"value\": ...}; set or list: "
    "{\"type\": ..., \"elements\": [...]}; multiple_choice; text), hints, a worked solution, the difficulty asked for, "
    "tags, and a cas_check saying how a computer algebra system can recompute the answer (solve / evaluate / "
    "differentiate, plain-text expressions such as 2*x + 3 = 7) whenever the answer is computable. Answer with JSON "
    "only: {\"questions\": [...]}, one question per requested item, in the order requested."
)


def user_message(topic: TopicContext, difficulties: list[int]) -> str:
    lines = [f"Topic: {topic.name}"]
    if topic.description:
        lines.append(f"Description: {topic.description}")
    if topic.objectives:
        lines.append("Learning objectives: " + "; ".join(topic.objectives))
    material = excerpt(topic.material_text)
    if material:
        where = f" (page {topic.material_page})" if topic.material_page else ""
        lines.append(f"Source material \"{topic.material_title or 'material'}\"{where}; base the questions on it:")
        lines.append(material)
    lines.append(f"Write {len(difficulties)} question(s):")
    lines += [f"{i + 1}. difficulty {d} of 5 ({DIFFICULTY_WORDS[d]})" for i, d in enumerate(difficulties)]
    return "\n".join(lines)


def messages(topic: TopicContext, difficulties: list[int]) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user_message(topic, difficulties)}]


def response_format() -> dict[str, Any]:
    """Structured output: the JSON schema of CandidateList (not strict: answer_spec is an open object)."""
    return {"type": "json_schema",
            "json_schema": {"name": "question_candidates", "schema": CandidateList.model_json_schema(),
                            "strict": False}}


def prompt_chars(topic: TopicContext, difficulties: list[int]) -> int:
    return len(SYSTEM) + len(user_message(topic, difficulties)) + len(json.dumps(response_format()))


# ---------------------------------------------------------------- syllabus
class OutlineNode(BaseModel):
    """A topic of a syllabus the model proposes: a name, what it covers, its subtopics."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    children: list[OutlineNode] = Field(default_factory=list, max_length=30)


class SyllabusAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: list[OutlineNode] = Field(min_length=1, max_length=30)


SYLLABUS_SYSTEM = (
    "You plan mathematics syllabi for tutors. Answer with JSON only: {\"topics\": [{\"name\": ..., \"description\": "
    "..., \"children\": [...]}]}: the main areas of the syllabus, each with the topics a student practises (two levels)."
)


def syllabus_messages(program: str, grade: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": SYLLABUS_SYSTEM},
            {"role": "user", "content": f"Study program: {program}\nGrade level: {grade}\nThe syllabus's topic tree:"}]


def syllabus_response_format() -> dict[str, Any]:
    return {"type": "json_schema",
            "json_schema": {"name": "syllabus", "schema": SyllabusAnswer.model_json_schema(), "strict": False}}
