"""Stage 07's checks: the stub is not written yet, the reference passes, each mistake fails."""

from tests.stages.stage_answers import (
    StageChecksWithWrongAnswers,
    wrong,
)

CONFIG = "core/config.py"
PREFIX = "test_docchat_variables_are_read_and_others_are_not"
DOTENV = "test_a_dotenv_file_is_read_and_the_environment_wins"
EXTRA = "test_other_keys_in_dotenv_are_ignored"
COMMAS = "test_origins_from_a_comma_separated_list"
JSON = "test_origins_from_a_json_list"
WILDCARD = "test_a_wildcard_with_credentials_is_refused_saying_why"
OVERLAP = "test_an_overlap_not_below_the_size_is_refused_naming_both"
ECHO = "test_a_rejected_value_is_never_echoed"
SPLIT = '            return [part.strip() for part in text.split(",") if part.strip()]'
CREDENTIALS_MESSAGE = (
    "\"'*' together with cors_allow_credentials=true would let any site \"\n"
    '                        "make credentialed calls; list the origins instead"'
)

WRONG_ANSWERS = [
    wrong(
        "no prefix: CHUNK_SIZE of another program is read",
        CONFIG,
        'env_prefix="DOCCHAT_",',
        "",
        {PREFIX, DOTENV, EXTRA, COMMAS, JSON, WILDCARD, OVERLAP, ECHO},
        "Settings()",
    ),
    wrong("no .env", CONFIG, 'env_file=".env",', "", {DOTENV, EXTRA}, "Settings()"),
    wrong(
        "other keys in .env are errors",
        CONFIG,
        'extra="ignore",',
        'extra="forbid",',
        {EXTRA},
        "extra='ignore'",
    ),
    wrong("JSON lists are split on commas", CONFIG, 'text.startswith("[")', "False", {JSON}, "["),
    wrong(
        "the parts of a comma list keep their spaces",
        CONFIG,
        SPLIT,
        '            return text.split(",")',
        {COMMAS},
        "Settings() failed",
    ),
    wrong(
        "'*' allowed with credentials",
        CONFIG,
        'if info.data.get("cors_allow_credentials", False):',
        "if False:",
        {WILDCARD},
        "expected a validation error naming cors_origins",
    ),
    wrong(
        "'*' refused without saying why",
        CONFIG,
        CREDENTIALS_MESSAGE,
        '"bad origin"',
        {WILDCARD},
        "expected a message that says why",
    ),
    wrong(
        "an overlap equal to the size is allowed",
        CONFIG,
        "overlap >= size",
        "overlap > size",
        {OVERLAP},
        "expected a validation error naming chunk_overlap",
    ),
    wrong(
        "the overlap's message gives no numbers",
        CONFIG,
        'f"chunk_overlap ({overlap}) must be smaller than chunk_size ({size})"',
        '"chunk_overlap is too big"',
        {OVERLAP},
        "expected it to give both numbers",
    ),
    wrong(
        "errors echo the refused value",
        CONFIG,
        "hide_input_in_errors=True,",
        "",
        {ECHO},
        "hide_input_in_errors",
    ),
]


class TestStage07(StageChecksWithWrongAnswers):
    stage = 7
    harness = "stage07_settings"
    checks = 8
    stub_says = (
        "not written yet: Settings.model_config, Settings._split_origins,"
        " Settings._origins_are_bare, Settings._overlap_below_size in my_docchat/core/config.py"
    )
    wrong = WRONG_ANSWERS
