"""The benchmarks are run by tests/bench/run.py, never collected by pytest."""

collect_ignore_glob = ["*"]
