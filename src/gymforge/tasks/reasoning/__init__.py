"""Procedural reasoning families (algebra, word problems, Countdown, logic) and a curriculum."""

from gymforge.tasks.reasoning._algebra import (
    FractionsFamily,
    LinearEquationsFamily,
    LinearSystemsFamily,
)
from gymforge.tasks.reasoning._chain import MultiStepFamily, stated_values
from gymforge.tasks.reasoning._common import ReasoningFamily, final_answer, parse_rational
from gymforge.tasks.reasoning._countdown import CountdownFamily, evaluate_countdown
from gymforge.tasks.reasoning._curriculum import Curriculum, CurriculumConfig
from gymforge.tasks.reasoning._logic import (
    KnightsKnavesFamily,
    Sudoku4Family,
    count_sudoku_solutions,
)
from gymforge.tasks.reasoning._words import WordProblemsFamily

__all__ = [
    "CountdownFamily",
    "Curriculum",
    "CurriculumConfig",
    "FAMILIES",
    "FractionsFamily",
    "KnightsKnavesFamily",
    "LinearEquationsFamily",
    "LinearSystemsFamily",
    "MultiStepFamily",
    "ReasoningFamily",
    "Sudoku4Family",
    "WordProblemsFamily",
    "count_sudoku_solutions",
    "evaluate_countdown",
    "final_answer",
    "parse_rational",
    "stated_values",
]

FAMILIES: tuple[type[ReasoningFamily], ...] = (
    LinearEquationsFamily,
    LinearSystemsFamily,
    FractionsFamily,
    WordProblemsFamily,
    CountdownFamily,
    KnightsKnavesFamily,
    Sudoku4Family,
    MultiStepFamily,
)
"""Every reasoning family, in documentation order."""
