"""Run every benchmark figure, print a table of ratios, write build/bench.json."""

from __future__ import annotations

import importlib
import json
import platform
import sys

from tests.bench.common import ROOT, Row

FIGURES = ["check", "web", "print"]
"""Modules of tests/bench/, in the order of shared/bench/README.md; missing ones are skipped."""


def main() -> int:
    rows: list[Row] = []
    for name in FIGURES:
        try:
            module = importlib.import_module(f"tests.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.bench.{name}":
                continue
            raise
        print(f"-- {name}", file=sys.stderr, flush=True)
        rows.extend(module.run())
    width = max((len(r.name) for r in rows), default=10)
    print(f"{'figure':<{width}}  {'ours s':>8}  {'peer':<22} {'peer s':>8}  {'ratio':>7}  target")
    for row in rows:
        print(row.line(width))
    out = ROOT / "build" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": f"{platform.machine()} {platform.processor()} "
               f"python {platform.python_version()}",
               "rows": [row.__dict__ for row in rows]}
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
