r"""Graders: verifiable checks, answer extraction, and composition into one reward.

Example:
    >>> from gymforge.graders import exact_match, gate, regex_match
    >>> g = gate(regex_match(r"\\boxed", name="format"), exact_match())
    >>> g.name, g.config["factory"]
    ('gate', 'gymforge/gate')
"""

from gymforge.graders._base import Grader
from gymforge.graders._code import (
    CaseResult,
    CodeSource,
    GradedFiles,
    TestReport,
    UnitTestsGrader,
    check_file_name,
    extract_code,
    files_from_tool_calls,
    replay_written_files,
    run_unit_tests,
    shared_sandbox,
    unit_tests,
)
from gymforge.graders._compose import gate, product, weighted_sum
from gymforge.graders._extract import (
    EXTRACTORS,
    Extractor,
    extract_answer,
    extract_answer_line,
    extract_boxed,
    extract_json_block,
    extract_last_number,
    final_text,
)
from gymforge.graders._match import (
    env_reward,
    exact_match,
    json_schema,
    normalize_answer,
    regex_match,
)
from gymforge.graders._math import MathGrader, MathVerdict, check_math_answer, math_verified
from gymforge.graders._numeric import numeric, parse_number
from gymforge.graders._registry import (
    BuiltinGrader,
    grader_config,
    grader_factories,
    grader_from_config,
    register_grader,
    to_config_value,
)
from gymforge.graders._stdout import StdoutTestsGrader, compare_stdout, stdout_tests

__all__ = [
    "BuiltinGrader",
    "CaseResult",
    "CodeSource",
    "EXTRACTORS",
    "Extractor",
    "GradedFiles",
    "Grader",
    "MathGrader",
    "MathVerdict",
    "StdoutTestsGrader",
    "TestReport",
    "UnitTestsGrader",
    "check_file_name",
    "check_math_answer",
    "compare_stdout",
    "env_reward",
    "exact_match",
    "extract_answer",
    "extract_answer_line",
    "extract_boxed",
    "extract_code",
    "extract_json_block",
    "extract_last_number",
    "files_from_tool_calls",
    "final_text",
    "gate",
    "grader_config",
    "grader_factories",
    "grader_from_config",
    "json_schema",
    "math_verified",
    "normalize_answer",
    "numeric",
    "parse_number",
    "product",
    "regex_match",
    "register_grader",
    "replay_written_files",
    "run_unit_tests",
    "shared_sandbox",
    "stdout_tests",
    "to_config_value",
    "unit_tests",
    "weighted_sum",
]
