"""``python -m bench.classifiers``: cost of the four classifier detectors on one long message.

Measures, each in a fresh interpreter where it matters:

- import of the package and first use (model load plus one ``detect``) of ``injection_attack``,
  ``toxicity``, ``nsfw`` and ``bias``;
- resident memory those models add (RSS before and after first use);
- median time of all four ``detect`` calls on the same ~10 KB message (and on ~1 KB), over many runs.

Target (issue 5): all four together on a 10 KB message ≤ 1 ms median; import and first use ≤ 300 ms;
models' resident memory ≤ 50 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

PARAGRAPH = (
    "Our quarterly planning meeting covered the migration of the billing service to the new cluster, the "
    "hiring plan for the support team, and the feedback we received from customers about the mobile app. "
    "Several people asked whether the release could move to the second week of March, because the load tests "
    "showed a regression in the checkout flow that still needs a fix. We agreed to keep the date, add two "
    "engineers to the investigation, and report progress on Friday. Please review the attached notes and "
    "send corrections before the end of the week. "
)

_FIRST_USE = """
import time, resource
t0 = time.perf_counter()
import enkrypt_middleware
from enkrypt_middleware.detectors.injection import InjectionAttackConfig
from enkrypt_middleware.detectors.toxicity import ToxicityConfig
from enkrypt_middleware.detectors.nsfw import NsfwConfig
from enkrypt_middleware.detectors.bias import BiasConfig
t1 = time.perf_counter()
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
detectors = [c().build() for c in (InjectionAttackConfig, ToxicityConfig, NsfwConfig, BiasConfig)]
for d in detectors:
    d.detect("Hello there, how are you today?")
t2 = time.perf_counter()
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "import_ms": (t1 - t0) * 1000, "first_use_ms": (t2 - t1) * 1000, "rss_added_mb": (rss1 - rss0) / 1024,
}))
"""


def first_use() -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", "import json\n" + _FIRST_USE], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def detect_all_ms(text: str, runs: int) -> float:
    from enkrypt_middleware.detectors.bias import BiasConfig
    from enkrypt_middleware.detectors.injection import InjectionAttackConfig
    from enkrypt_middleware.detectors.nsfw import NsfwConfig
    from enkrypt_middleware.detectors.toxicity import ToxicityConfig

    detectors = [c().build() for c in (InjectionAttackConfig, ToxicityConfig, NsfwConfig, BiasConfig)]
    for d in detectors:  # load models outside the timing
        d.detect(text)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for d in detectors:
            d.detect(text)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    loads = [first_use() for _ in range(3)]
    long_text = (PARAGRAPH * 25)[:10240]
    short_text = PARAGRAPH * 2
    print(f"import (median of 3):            {statistics.median(r['import_ms'] for r in loads):8.1f} ms")
    print(f"first use, 4 detectors:          {statistics.median(r['first_use_ms'] for r in loads):8.1f} ms")
    print(f"resident memory added:           {statistics.median(r['rss_added_mb'] for r in loads):8.1f} MB")
    long_ms = detect_all_ms(long_text, args.runs)
    print(f"all four on {len(long_text):,} chars (median):  {long_ms:8.3f} ms  (target <= 1 ms)")
    print(f"all four on {len(short_text):,} chars (median):   {detect_all_ms(short_text, args.runs):8.3f} ms")


if __name__ == "__main__":
    main()
