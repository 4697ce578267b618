"""The exceptions of the pipeline, each saying who raises it.

Content problems are never exceptions: they are findings. These are for problems that stop a
command before it can judge content; the CLI turns each into one sentence and exit code 2.
"""

from collections.abc import Mapping
from typing import Any


class PipelineError(Exception):
    """Base class: a problem the user must fix before the command can run."""


class ConfigError(PipelineError):
    """Raised by `settings` when publication.toml is missing, unreadable or invalid."""


class ContentError(PipelineError):
    """Raised by `content` when an edition or path named on the command line does not exist."""


class EnvironmentProblem(PipelineError):
    """Raised when a tool the command needs (git, pdftoppm, a font) is not available."""


class BuildError(PipelineError):
    """Raised by `build` when the gate blocks a build or an output cannot be written."""


def validation_problem(error: Mapping[str, Any]) -> tuple[str, str]:
    """Where a pydantic validation error is (the dotted path of the field) and why, worded as
    the writers of publication.toml, edition.toml and front matter read it."""
    return ".".join(str(part) for part in error["loc"]), \
        str(error["msg"]).removeprefix("Value error, ")


class UsageProblem(PipelineError):
    """Raised by the CLI for an option it cannot honour (an --out among the sources)."""
