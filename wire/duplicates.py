"""Near-duplicate copy: the same story arriving twice under different ids.

An agency carries a story once. The same copy pushed under a second source, a
re-sent item whose headline or lead was touched up, or an upstream re-post
under a new guid is *nearly* the same text, so exact comparison misses it.
What measures "nearly" is the resemblance of the two texts as sets of word
shingles (Jaccard similarity of 3-word runs), estimated by MinHash signatures
(``datasketch``), and found without comparing against every story by LSH
banding: a signature is cut into bands, stories sharing one band's values
are the candidates. With 16 bands of 4 values, two texts resembling each other
at 0.8 become candidates with probability > 0.999, at 0.3 with < 0.13.

Pure: signatures and bands are values; the store indexes the bands, the desk
decides what a match means (``wire.service``: a new story too like an existing
one is held for review).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash

from wire.model import Story

SCHEME = "minhash-w3-p64-b16"  # stored with each signature: another scheme never compares
SHINGLE_WORDS = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
MIN_WORDS = 15  # shorter copy (a headline, a one-line flash) is too little to judge by
_SEED = 1
_HASHING = "affine32"  # datasketch's permutation scheme; fixed, since signatures are stored
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A story's MinHash signature and the band keys it is indexed under."""

    signature: bytes
    bands: tuple[str, ...]
    scheme: str = SCHEME


@dataclass(frozen=True, slots=True)
class Match:
    """The existing story a new one resembles, and how much (estimated Jaccard)."""

    guid: str
    similarity: float


def words(story: Story) -> list[str]:
    """The words the comparison sees: headline, summary and body, case and
    compatibility forms folded. Attribution is left out on purpose: two sources'
    credit lines differ while their copy is the same story."""
    return _words(story.headline, story.summary, story.body)


def _words(headline: str, summary: str | None, body: tuple[str, ...]) -> list[str]:
    text = "\n".join((headline, summary or "", *body))
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


TextKey = tuple[str, str | None, tuple[str, ...]]
"""What a fingerprint is made of: headline, summary and body."""


def text_key(story: Story) -> TextKey:
    return story.headline, story.summary, story.body


def fingerprint(
    story: Story, known: Mapping[TextKey, Fingerprint | None] | None = None
) -> Fingerprint | None:
    """The story's fingerprint, or ``None`` when it has too few words to judge;
    taken from ``known`` (computed elsewhere, by text) when it is there."""
    key = text_key(story)
    if known is not None and key in known:
        return known[key]
    return _fingerprint_of(*key)


@lru_cache(maxsize=1024)
def _fingerprint_of(
    headline: str, summary: str | None, body: tuple[str, ...]
) -> Fingerprint | None:
    """Kept for the words it was computed from: a batch asks for each story's
    before it is saved (to read the stories it resembles at once), the save again."""
    tokens = _words(headline, summary, body)
    if len(tokens) < MIN_WORDS:
        return None
    shingles = {
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    }
    minhash = MinHash(
        num_perm=PERMUTATIONS, seed=_SEED, scheme=_HASHING, permutations=_permutations()
    )
    minhash.update_batch(sorted(shingles))
    values = np.asarray(minhash.hashvalues, dtype=np.uint32)
    return Fingerprint(values.tobytes(), _bands(values))


@lru_cache(maxsize=1)
def _permutations() -> Any:
    """The scheme's permutations, drawn once from its seed (datasketch would draw
    them again for every signature: a third of a fingerprint's cost)."""
    return MinHash(num_perm=PERMUTATIONS, seed=_SEED, scheme=_HASHING).permutations


def _bands(values: np.ndarray) -> tuple[str, ...]:
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "big")).hexdigest()
        keys.append(f"{band:02d}{digest}")
    return tuple(keys)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    first = _lean(a)
    second = _lean(b)
    return float(first.jaccard(second))


def _lean(signature: bytes) -> LeanMinHash:
    values = np.frombuffer(signature, dtype=np.uint32)
    return LeanMinHash(seed=_SEED, hashvalues=values, scheme=_HASHING)


def best_match(
    print_: Fingerprint, candidates: Iterable[tuple[str, bytes]], *, threshold: float
) -> Match | None:
    """The most similar candidate at or above ``threshold`` (ties: the first)."""
    best: Match | None = None
    for guid, signature in candidates:
        if len(signature) != len(print_.signature):
            continue
        score = similarity(print_.signature, signature)
        if score >= threshold and (best is None or score > best.similarity):
            best = Match(guid, round(score, 3))
    return best
