"""Graders: verifiable checks, answer extraction, and composition into one reward."""

from gymforge.graders._base import Grader

__all__ = ["Grader"]
