"""nakama-sync benchmarks: hot paths measured against bare-library floors in the same run.

Run them with ``python -m benchmarks [--quick]`` (see ``benchmarks/run.py`` and BENCHMARKS.md).
"""
