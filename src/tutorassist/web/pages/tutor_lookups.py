"""Names for ids on the tutor's pages: students by profile and by user, members by user, question prompts by id.

Each is one service call for the whole page (never one per row)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tutorassist.identity import schemas as identity_schemas
from tutorassist.identity import service as identity
from tutorassist.questions import lookup
from tutorassist.web.context import Page


@dataclass
class Names:
    students: list[identity_schemas.StudentOut]
    by_profile: dict[UUID, str]
    by_user: dict[UUID, str]

    def of_user(self, user_id: UUID | None) -> str:
        if user_id is None:
            return "a former member"
        return self.by_user.get(user_id, "a former member")

    def of_profile(self, profile_id: UUID | None) -> str:
        return self.by_profile.get(profile_id, "a removed student") if profile_id else "—"


def students(page: Page, *, members: bool = False) -> Names:
    """Every student of the workspace (archived ones too, so old work keeps its name); with members, every member's
    display name as well (who raised a flag, who wrote feedback)."""
    profiles = identity.list_students(page.ctx, page.workspace_id, include_archived=True)
    by_user = {m.user_id: m.display_name for m in identity.list_members(page.ctx, page.workspace_id)} if members else {}
    by_user |= {p.user_id: p.name for p in profiles if p.user_id is not None}
    return Names(students=profiles, by_profile={p.id: p.name for p in profiles}, by_user=by_user)


def prompts(page: Page, question_ids: list[UUID]) -> dict[UUID, str]:
    return lookup.prompts(page.ctx, page.workspace_id, question_ids)
