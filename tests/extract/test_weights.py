"""The shipped weights are what the documented training command makes from the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.train_extract import WEIGHTS, choose_threshold, fit, load_examples, load_matcher

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "score.py").exists(), reason="../shared/corpus is not beside the checkout"
)


@needs_corpus
def test_shipped_weights_are_reproduced_from_the_corpus() -> None:
    examples = load_examples(CORPUS, load_matcher(CORPUS))
    shipped = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert fit(examples) == shipped["weights"]
    assert choose_threshold(examples) == shipped["threshold"]
    assert shipped["documents"] == len(examples)
