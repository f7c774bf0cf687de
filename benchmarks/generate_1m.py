"""Benchmark the sandbox generator: wall time and peak memory.

Usage: ``python benchmarks/generate_1m.py [N] [--keep DIR] [--skip-demo]``
(N defaults to 1,000,000 conversations). Prints the demo-scale time first,
then N conversations into a temporary directory (or ``--keep DIR``).
Peak memory is ``ru_maxrss`` of this process plus a 0.2 s RSS sampler.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sandbox.generator.generate import generate


class RssSampler(threading.Thread):
    """Samples this process's resident set size from /proc every ``interval_s`` seconds."""

    def __init__(self, interval_s: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peak_kib = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kib = max(self.peak_kib, _rss_kib())
            self._stop_event.wait(self.interval_s)

    def stop(self) -> int:
        self._stop_event.set()
        self.join()
        return self.peak_kib


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _size_mib(root: Path) -> float:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file()) / 2**20


def run(label: str, out: Path, scale: str | int) -> dict[str, Any]:
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    manifest = generate(out, scale=scale)
    elapsed = time.perf_counter() - started
    sampled_peak = sampler.stop()
    conversations = manifest["counts"]["genesys"]["conversations"]
    print(
        f"{label}: {conversations:,} conversations in {elapsed:.1f} s "
        f"({conversations / elapsed:,.0f}/s), output {_size_mib(out):,.0f} MiB, "
        f"sampled peak RSS {sampled_peak / 1024:,.0f} MiB, "
        f"ru_maxrss so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB",
        flush=True,
    )
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="conversations to generate")
    parser.add_argument("--keep", help="write the big tenant here instead of a temporary directory")
    parser.add_argument("--skip-demo", action="store_true", help="do not time the demo scale first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxlake-bench-") as scratch:
        if not args.skip_demo:
            run("demo", Path(scratch) / "demo", "demo")
        out = Path(args.keep) if args.keep else Path(scratch) / "big"
        run(f"n={args.n:,}", out, args.n)


if __name__ == "__main__":
    main()
