"""Status and origin values as SQL literals, derived from the enums of :mod:`annotations.model`:
each value is spelled once, there, and every query says it by name here."""

from __future__ import annotations

from ..model import GOLD_STATUSES, ArticleStatus, Origin, Status, StepState, sql_list, sql_value

DONE = sql_value(ArticleStatus.DONE)
IN_PROGRESS = sql_value(ArticleStatus.IN_PROGRESS)
TODO = sql_value(ArticleStatus.TODO)  # never stored: what a missing status row reads as
SET_ASIDE = sql_list((ArticleStatus.REJECTED, ArticleStatus.IGNORED))  # articles that are no training data

ACCEPTED = sql_value(Status.ACCEPTED)
CORRECTED = sql_value(Status.CORRECTED)
REJECTED = sql_value(Status.REJECTED)
SUGGESTED = sql_value(Status.SUGGESTED)  # never stored: what an undecided suggestion reads as
GOLD = sql_list(GOLD_STATUSES)

MODEL = sql_value(Origin.MODEL)
IMPORT = sql_value(Origin.IMPORT)
HUMAN_OR_IMPORT = sql_list((Origin.HUMAN, Origin.IMPORT))

STEP_DONE = sql_value(StepState.DONE)
STEP_UNDONE = sql_value(StepState.UNDONE)
STEP_DISCARDED = sql_value(StepState.DISCARDED)
