"""How extraction generalises: leave-one-source-out cross-validation on a labelled corpus.

    python -m benchmarks.bench_extract [--corpus DIR] [-v]

All documents of one source (`SOURCES.tsv`'s repo column) are held out together;
the scorer is trained on the other sources (benchmarks.train_extract), its
threshold chosen by a leave-one-source-out inside those sources alone, and the
held-out documents are extracted with those weights and scored with the corpus's
own matcher. Counts are summed over every fold. The last line reads
`loso precision P recall R f1 F`. The corpus score (score.py) tells how well the
shipped weights fit documents they were trained on; this tells how they do on a
kind of document they have never seen, which is what users meet.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from benchmarks.train_extract import DEFAULT_CORPUS, Example, choose_threshold, fit, load_examples, load_matcher
from pmsync.extract import decide
from pmsync.extract.scorer import Scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("-v", "--verbose", action="store_true", help="print each document's misses")
    args = parser.parse_args()
    matcher = load_matcher(args.corpus)
    examples = load_examples(args.corpus, matcher)
    by_source: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_source[example.source].append(example)
    tp = got_total = expected_total = 0
    thresholds: list[float] = []
    for source, held_out in sorted(by_source.items()):
        training = [ex for ex in examples if ex.source != source]
        # The threshold too is chosen without the held-out source (train_extract.choose_threshold).
        scorer = Scorer(fit(training), choose_threshold(training))
        thresholds.append(scorer.threshold)
        for example in held_out:
            items = decide(example.candidates, scorer).items
            got = [{"title": item.title, "text": item.text} for item in items]
            pairs = matcher.match(example.labels, got)
            tp, got_total, expected_total = tp + len(pairs), got_total + len(got), expected_total + len(example.labels)
            flag = "" if len(pairs) == len(got) == len(example.labels) else "  <--"
            print(f"{example.name:60} expected {len(example.labels):3} got {len(got):3} matched {len(pairs):3}{flag}")
            if args.verbose and flag:
                hit_e = {id(e) for e, _ in pairs}
                hit_g = {id(g) for _, g in pairs}
                for label in example.labels:
                    if id(label) not in hit_e:
                        print("    missed:", (label.get("title") or "")[:100])
                for item in got:
                    if id(item) not in hit_g:
                        print("    extra: ", item["title"][:100])
    precision = tp / got_total if got_total else 0.0
    recall = tp / expected_total if expected_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{len(by_source)} sources, {len(examples)} documents, {expected_total} labelled items")
    print(f"thresholds chosen per fold: {min(thresholds)} to {max(thresholds)}")
    print(f"loso precision {precision:.3f} recall {recall:.3f} f1 {f1:.3f}")


if __name__ == "__main__":
    main()
