"""``python -m bench.copyright``: index and lookup cost of the ``copyright_ip`` detector.

Builds the detector (as ``load_config`` does) over a synthetic corpus of protected documents, then
times ``detect`` on 2 KB answers: unrelated text, text quoting an edited 80-word passage of one
document, and a whole document copied. Targets: 10,000 documents indexed in 5 s or less, a 2 KB
answer checked in 2 ms or less.

The corpus is generated (seeded, so runs are comparable): documents of about 2 KB whose words follow a
Zipf-like distribution over a 30,000-word vocabulary mixed with English function words, so that shingle
frequencies look like prose (common phrases recur across documents, most shingles are rare).
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
import tracemalloc

from enkrypt_middleware.detectors.copyright import CopyrightConfig, CopyrightDetector

FUNCTION_WORDS = (
    "the of and to a in is that it was for on are as with his they at be this from have or by one had not but "
    "what all were when we there can an your which their said if do will each about how up out them then she "
    "many some so these would other into has more her two like him see time could no make than first been its"
).split()


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def corpus(count: int, chars: int = 2000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, 30_000)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    documents: list[str] = []
    for _ in range(count):
        rare = iter(rng.choices(vocabulary, cum_weights=cumulative, k=chars // 3))
        words: list[str] = []
        size = 0
        while size < chars:
            word = rng.choice(FUNCTION_WORDS) if rng.random() < 0.45 else next(rare)
            words.append(word)
            size += len(word) + 1
        sentences = [" ".join(words[i : i + 14]).capitalize() + "." for i in range(0, len(words), 14)]
        documents.append(" ".join(sentences))
    return documents


def _edit(text: str, rng: random.Random, every: int = 12) -> str:
    """Change one word in ``every``, and punctuation and case, as a light rewrite would."""
    words = text.split()
    for i in range(rng.randrange(every), len(words), every):
        words[i] = "something"
    return " ".join(words).upper().replace(".", " ;")


def _time_checks(detector: CopyrightDetector, answers: list[str], repeat: int) -> list[float]:
    timings: list[float] = []
    for _ in range(repeat):
        for answer in answers:
            started = time.perf_counter()
            detector.detect(answer)
            timings.append((time.perf_counter() - started) * 1e3)
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50, help="passes over the answers when timing detect()")
    parser.add_argument("--memory", action="store_true", help="also build once under tracemalloc to report memory")
    args = parser.parse_args(argv)

    documents = corpus(args.documents)
    size = sum(len(d) for d in documents)
    started = time.perf_counter()
    detector = CopyrightConfig(corpus=documents).build()
    build = time.perf_counter() - started
    print(
        f"index: {args.documents:,} documents, {size / 1e6:.1f} MB of text -> "
        f"{len(detector.index.fingerprints):,} fingerprints in {build:.2f} s "
        f"(target <= 5 s: {'ok' if build <= 5 else 'MISSED'})"
    )
    if args.memory:
        del detector
        tracemalloc.start()
        detector = CopyrightConfig(corpus=documents).build()
        print(f"memory: index and passages {tracemalloc.get_traced_memory()[0] / 1e6:.0f} MB (traced, slower build)")
        tracemalloc.stop()

    rng = random.Random(11)
    unrelated = corpus(40, seed=99)  # same kind of text, not in the corpus
    quoting: list[str] = []
    copies: list[str] = []
    for i in range(40):
        source = documents[rng.randrange(len(documents))].split()
        start = rng.randrange(0, len(source) - 80)
        passage = _edit(" ".join(source[start : start + 80]), rng)
        filler = unrelated[i].split()
        quoting.append(" ".join(filler[:120] + passage.split() + filler[120:200])[:2048])
        copies.append(documents[rng.randrange(len(documents))][:2048])

    for label, answers in (("unrelated", unrelated), ("quotes an edited passage", quoting), ("whole copy", copies)):
        answers = [a[:2048] for a in answers]
        timings = _time_checks(detector, answers, args.repeat)
        scores = [detector.detect(a).score for a in answers]
        p50, p99 = statistics.median(timings), statistics.quantiles(timings, n=100)[98]
        print(
            f"detect, 2 KB answer, {label:<25} p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
            f"(target <= 2 ms: {'ok' if p99 <= 2 else 'MISSED'})  "
            f"scores min {min(scores):.2f} max {max(scores):.2f}, fired {sum(s >= 0.5 for s in scores)}/{len(scores)}"
        )


if __name__ == "__main__":
    main()
