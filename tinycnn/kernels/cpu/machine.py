"""What machine this is and how busy it is (Linux ``/proc``; a fallback elsewhere).

Used by the CPU kernels (to drop to one thread when other processes keep the cores busy),
by the benchmarks (to note the load next to every figure) and by the experiment records.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU model (from /proc/cpuinfo on Linux), or platform's best guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def cpu_times() -> tuple[float, float] | None:
    """(CPU time of all cores, busy CPU time of all cores) in seconds since boot, from
    /proc/stat (busy = all but idle and iowait); None where /proc/stat does not exist."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    return sum(ticks) / hz, (sum(ticks) - ticks[3] - ticks[4]) / hz
