"""Runs the fuzzed op geometries of `fuzz_geometry_cases.py` in a subprocess, so
that a kernel that corrupts memory fails this test instead of killing the test run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fuzzed_geometries_match_pytorch_or_fail_clearly():
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:randomly", str(Path(__file__).with_name("fuzz_geometry_cases.py"))],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
