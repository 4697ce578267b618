"""Which articles changed since a git ref, for `pipeline check --changed-since` on pull
requests. Git is the only tool asked; its absence or an unknown ref is an environment
problem, not a finding."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pipeline.errors import EnvironmentProblem


def _git(root: Path, *args: str) -> str:
    # surrogateescape: a file name that is not UTF-8 comes back as the same bytes in a Path
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                            errors="surrogateescape", check=False)
    if result.returncode != 0:
        raise EnvironmentProblem(f"git {' '.join(args)} failed: "
                                 f"{result.stderr.strip().splitlines()[-1:] or ['no output']}")
    return result.stdout


def changed_files(root: Path, ref: str) -> set[Path]:
    """Resolved paths of files added, copied, modified or renamed since `ref`, plus new
    untracked files (an article written but not yet committed)."""
    if shutil.which("git") is None:
        raise EnvironmentProblem("--changed-since needs git, and git is not installed")
    inside = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root,
                            capture_output=True, text=True, check=False)
    if inside.returncode != 0:
        raise EnvironmentProblem(f"--changed-since {ref}: {root} is not in a git repository")
    probe = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                           cwd=root, capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        raise EnvironmentProblem(f"--changed-since {ref}: no such git ref in {root} "
                                 "(in CI, fetch it first, e.g. actions/checkout with "
                                 "fetch-depth: 0)")
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    # -z: names as they are, not quoted and escaped as git prints names outside ASCII
    changed = _git(root, "diff", "-z", "--name-only", "--diff-filter=ACMR", ref, "--"
                   ).split("\0")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--full-name"
                     ).split("\0")
    return {(top / name).resolve() for name in [*changed, *untracked] if name}
