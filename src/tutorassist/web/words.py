"""The words pages use for the codes the services return, in one place so two pages never name a code differently."""

from __future__ import annotations

from typing import get_args

from tutorassist.learning.schemas import FlagReason

FLAG_REASONS = {reason: reason.replace("_", " ").capitalize() for reason in get_args(FlagReason)}
NEEDS_HELP_REASONS = {"falling_accuracy": "Falling accuracy", "overdue_reviews": "Overdue reviews",
                      "repeated_wrong_answers": "Repeated wrong answers"}
