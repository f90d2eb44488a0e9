"""The embedded intent classifier: n-gram TF-IDF plus frozen MiniLM vectors, linear SVMs.

See docs/decisions/0054-nlu-intent-classifier.md for what was measured and why.
"""

from nlu.classifier.classifier import IntentClassifier
from nlu.classifier.errors import ClassifierError, ModelFileError, NotTrained
from nlu.classifier.params import ClassifierParams
from nlu.classifier.store import cache_key, train_or_load

__all__ = [
    "ClassifierError",
    "ClassifierParams",
    "IntentClassifier",
    "ModelFileError",
    "NotTrained",
    "cache_key",
    "train_or_load",
]
