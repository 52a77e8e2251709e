"""Benchmark: where a command's CPU goes on this machine, above all the test suite's.

Usage: python benchmarks/suite_cpu.py [--top 15] -- COMMAND...
  e.g. python benchmarks/suite_cpu.py -- .venv/bin/python -m pytest -q -n 2 --dist loadgroup --no-loadscope-reorder

Runs COMMAND and prints its wall time and the machine's busy CPU seconds over that time (from
/proc/stat: every process, JVMs and browsers included), against what the cores could give. A
suite that keeps them ~100% busy is CPU-bound: only less CPU makes it faster, not more workers.
When COMMAND runs pytest, each test's CPU is recorded too (benchmarks/suite_cpu_plugin.py: the
worker's own, and its child processes' once they are reaped) and summed by module.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def busy_ticks() -> tuple[int, int]:
    """(busy, all) jiffies of every CPU since boot, from /proc/stat's first line."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=15, help="modules to list")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command  # the first "--" only
    if not command:
        ap.error("give the command to run after --")
    folder = Path(tempfile.mkdtemp(prefix="cxm-suite-cpu-"))
    env = dict(os.environ, CXM_SUITE_CPU=str(folder))
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent), *filter(None, [env.get("PYTHONPATH")])])
    if "pytest" in command:
        command = [*command, "-p", "suite_cpu_plugin"]
    hz = os.sysconf("SC_CLK_TCK")
    busy0, all0 = busy_ticks()
    t0 = time.perf_counter()
    code = subprocess.call(command, env=env)
    wall = time.perf_counter() - t0
    busy1, all1 = busy_ticks()
    cores = os.cpu_count() or 1
    print(f"\nwall {wall:.1f} s; the machine was busy {(busy1 - busy0) / hz:.0f} CPU-s of the "
          f"{wall * cores:.0f} its {cores} cores give ({(busy1 - busy0) / max(all1 - all0, 1):.0%}); exit {code}")
    rows = [line.rstrip("\n").split("\t") for f in sorted(folder.glob("cpu-*.tsv"))
            for line in f.open(encoding="utf-8")]
    if rows:
        by = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
        for nodeid, wall_s, own, children in rows:
            acc = by[nodeid.split("::")[0]]
            acc[0] += float(wall_s)
            acc[1] += float(own)
            acc[2] += float(children)
        total = [sum(v[i] for v in by.values()) for i in range(3)]
        print(f"\n{len(rows)} tests: {total[0]:.0f} s of test time, {total[1]:.0f} CPU-s in the workers, "
              f"{total[2]:.0f} in reaped child processes\n")
        print("| module | test time s | worker CPU s | children CPU s |\n|---|---:|---:|---:|")
        for name, (w, own, ch) in sorted(by.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))[:args.top]:
            print(f"| {name} | {w:.1f} | {own:.1f} | {ch:.1f} |")
    return code


if __name__ == "__main__":
    sys.exit(main())
