"""`make bench`: speed and memory of the pipeline against its peers (see shared/bench/README.md).

Each figure is a module here with `run(context) -> list[Row]`; this package runs them in order,
prints one table and writes build/bench.json. A benchmark, not a test: it asserts nothing.
"""
