"""Item or not: a linear score over a candidate's features.

The weights are learned from the labelled corpus (`python -m benchmarks.train_extract`)
and shipped as `weights.json`; scoring is a dot product in plain Python.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources

from pmsync.extract.features import Features


@dataclass(frozen=True)
class Scorer:
    weights: dict[str, float]
    threshold: float = 0.0
    digest: str = ""  # of the weights file: cached scans made with other weights are not reused

    @classmethod
    def load(cls) -> Scorer:
        raw = resources.files("pmsync.extract").joinpath("weights.json").read_bytes()
        data = json.loads(raw)
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        return cls(weights, float(data.get("threshold", 0.0)), hashlib.blake2b(raw, digest_size=8).hexdigest())

    def score(self, features: Features) -> float:
        weights = self.weights
        return sum(weights.get(name, 0.0) * value for name, value in features.items())

    def contributions(self, features: Features) -> list[tuple[str, float]]:
        """Each feature's part in the score, largest first (for --explain)."""
        parts = [(name, self.weights.get(name, 0.0) * value) for name, value in features.items()]
        return sorted((p for p in parts if p[1]), key=lambda p: -abs(p[1]))
