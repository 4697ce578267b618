"""Figure 1: `pipeline check` over the rust-blog corpus, cold (cache cleared) and with nothing
changed, against proselint over the same files (shared/bench/README.md)."""

from __future__ import annotations

import shutil

from tests.bench.common import BIN, CORPUS, ROOT, Row, timed

CACHE = ROOT / ".cache"


def run() -> list[Row]:
    files = sorted(str(p) for p in CORPUS.glob("*.md"))
    peer_seconds, _ = timed([str(BIN / "proselint"), "check", *files])
    shutil.rmtree(CACHE, ignore_errors=True)
    command = [str(BIN / "pipeline"), "check", "--format", "json", str(CORPUS)]
    cold, cold_rss = timed(command)
    unchanged, unchanged_rss = timed(command)
    return [
        Row(f"check cold ({len(files)} posts)", cold, "proselint 0.16", peer_seconds,
            "ratio <= 0.10", cold_rss),
        Row("check, nothing changed", unchanged, "our cold check", cold, "ratio < 0.10",
            unchanged_rss),
    ]
