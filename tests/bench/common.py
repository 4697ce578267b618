"""Shared helpers for benchmark figures: timing commands, peak RSS, the corpus location."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "rust-blog"
BIN = ROOT / ".venv" / "bin"


@dataclass
class Row:
    name: str
    seconds: float
    peer: str = ""
    peer_seconds: float | None = None
    target: str = ""
    peak_rss_mb: float | None = None

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.peer_seconds if self.peer_seconds else None

    def line(self, width: int) -> str:
        peer = f"{self.peer_seconds:8.2f}" if self.peer_seconds is not None else " " * 8
        ratio = f"{self.ratio:7.3f}" if self.ratio is not None else " " * 7
        rss = f" (peak {self.peak_rss_mb:.0f} MB)" if self.peak_rss_mb else ""
        return (f"{self.name:<{width}}  {self.seconds:8.2f}  {self.peer:<22} {peer}  {ratio}  "
                f"{self.target}{rss}")


_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL).returncode\n"
    "took = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(code, took, peak)\n"
)


def timed(command: list[str], cwd: Path = ROOT, check: bool = False) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one command, measured in a fresh parent process."""
    output = subprocess.run([sys.executable, "-c", _MEASURE, *command], cwd=cwd,
                            capture_output=True, text=True, check=True).stdout.split()
    code, seconds, peak_kb = int(output[0]), float(output[1]), float(output[2])
    if check and code != 0:
        raise RuntimeError(f"{' '.join(command)} exited {code}")
    return seconds, peak_kb / 1024
