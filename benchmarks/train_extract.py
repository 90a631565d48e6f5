"""Learn the extraction scorer's weights from a labelled corpus.

    python -m benchmarks.train_extract [--corpus DIR] [--out pmsync/extract/weights.json]

Every document of the corpus is read up to its candidates (pmsync.extract.read_candidates);
a candidate is a positive example when the corpus's own matcher (score.py) pairs it
with a hand label, one candidate per label. A logistic regression with an L2 penalty,
fitted by Newton's method with NumPy, gives one weight per feature. Its output is
deterministic: the same corpus and code give the same file.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import yaml

from pmsync.config import Config
from pmsync.extract import Candidates, read_candidates, rule

DEFAULT_CORPUS = Path("../shared/corpus")
WEIGHTS = Path(__file__).resolve().parent.parent / "pmsync" / "extract" / "weights.json"
PENALTY = 0.3  # L2 strength: small, the features are few and mostly 0/1
ROUND = 4  # decimals kept in the shipped file


@dataclass
class Example:
    """One labelled document: its candidates and which of them are items."""

    name: str
    source: str
    candidates: Candidates
    labels: list[dict[str, Any]]
    positive: list[bool]


def load_matcher(corpus: Path) -> ModuleType:
    """The corpus's own score.py, so training and scoring pair items the same way."""
    spec = importlib.util.spec_from_file_location("corpus_score", corpus / "score.py")
    if spec is None or spec.loader is None:
        sys.exit(f"{corpus / 'score.py'}: not found; pass --corpus DIR")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_scored(candidates: Candidates, index: int) -> dict[str, str]:
    draft = candidates.drafts[index]
    return {"title": draft.title, "text": draft.body}


def load_examples(corpus: Path, matcher: ModuleType) -> list[Example]:
    with (corpus / "SOURCES.tsv").open(encoding="utf-8") as handle:
        sources = {row["file"]: row["repo"] for row in csv.DictReader(handle, delimiter="\t")}
    config = Config()
    examples: list[Example] = []
    for label_file in sorted((corpus / "expected").glob("*.yaml")):
        label = yaml.safe_load(label_file.read_text(encoding="utf-8"))
        name = label["document"]
        path = corpus / "docs" / name
        candidates = read_candidates(str(path), path.read_bytes(), config)
        expected = label.get("items") or []
        got = [as_scored(candidates, i) for i in range(len(candidates.drafts))]
        paired = {id(g) for _, g in matcher.match(expected, got)}
        positive = [id(g) in paired for g in got]
        examples.append(Example(name, sources.get(name, name), candidates, expected, positive))
    return examples


def fit(examples: list[Example], penalty: float = PENALTY) -> dict[str, float]:
    """Weights of an L2-penalised logistic regression over the examples' candidates."""
    # Candidates a rule decides (see pmsync.extract.rule) teach the scorer nothing.
    scored = [
        (features, positive)
        for ex in examples
        for draft, features, positive in zip(ex.candidates.drafts, ex.candidates.features, ex.positive, strict=True)
        if rule(ex.candidates, draft) is None
    ]
    names = sorted({name for features, _ in scored for name in features})
    column = {name: i for i, name in enumerate(names)}
    rows = [features for features, _ in scored]
    x = np.zeros((len(rows), len(names)))
    for r, features in enumerate(rows):
        for name, value in features.items():
            x[r, column[name]] = value
    y = np.array([positive for _, positive in scored], dtype=float)
    w = np.zeros(len(names))
    ridge = penalty * np.eye(len(names))
    ridge[column["bias"], column["bias"]] = 0.0  # the intercept is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + ridge @ w
        hessian = (x.T * (p * (1 - p))) @ x + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.max(np.abs(step))) < 1e-8:
            break
    return {name: round(float(w[column[name]]), ROUND) for name in names if abs(w[column[name]]) >= 10**-ROUND}


THRESHOLDS = tuple(step / 4 for step in range(-12, 5))  # -3.0 to +1.0: where items and non-items meet


def out_of_fold_scores(examples: list[Example]) -> list[tuple[float, bool]]:
    """Each candidate's score (rule-decided ones aside) from weights fitted without its
    own source: how the scorer rates documents of a kind it has not seen."""
    scored: list[tuple[float, bool]] = []
    for source in sorted({ex.source for ex in examples}):
        weights = fit([ex for ex in examples if ex.source != source])
        for ex in examples:
            if ex.source != source:
                continue
            for draft, features, positive in zip(
                ex.candidates.drafts, ex.candidates.features, ex.positive, strict=True
            ):
                if rule(ex.candidates, draft) is None:
                    scored.append((sum(weights.get(k, 0.0) * v for k, v in features.items()), positive))
    return scored


def choose_threshold(examples: list[Example]) -> float:
    """The score above which a candidate is an item: the one with the best F1 over
    out-of-fold scores. The L2 penalty pulls scores of unseen kinds of document down,
    so the best cut is often below 0 (even odds); choosing it on held-out sources keeps
    the choice honest. Ties go to the cut nearest 0."""
    scored = out_of_fold_scores(examples)
    positives = sum(positive for _, positive in scored)

    def f1(cut: float) -> float:
        taken = [positive for score, positive in scored if score > cut]
        hits = sum(taken)
        return 2 * hits / (len(taken) + positives) if taken or positives else 0.0

    return max(THRESHOLDS, key=lambda cut: (round(f1(cut), 6), -abs(cut)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args()
    matcher = load_matcher(args.corpus)
    examples = load_examples(args.corpus, matcher)
    weights = fit(examples)
    threshold = choose_threshold(examples)
    payload = {
        "about": "Extraction scorer weights; regenerate with: python -m benchmarks.train_extract",
        "examples": sum(len(ex.positive) for ex in examples),
        "documents": len(examples),
        "threshold": threshold,
        "weights": dict(sorted(weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))),
    }
    args.out.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    positives = sum(sum(ex.positive) for ex in examples)
    print(
        f"{len(examples)} documents, {payload['examples']} candidates ({positives} items): "
        f"{len(weights)} weights and threshold {threshold} written to {args.out}"
    )
    if not math.isfinite(sum(weights.values())):
        sys.exit("training diverged")


if __name__ == "__main__":
    main()
