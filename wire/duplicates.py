"""Near-duplicate copy: the same story arriving twice under different ids.

An agency carries a story once. The same copy pushed under a second source, a
re-sent item whose headline or lead was touched up, or an upstream re-post
under a new guid is *nearly* the same text, so exact comparison misses it.
What measures "nearly" is the resemblance of the two texts as sets of word
shingles (Jaccard similarity of 3-word runs), estimated by MinHash signatures,
and found without comparing against every story by LSH banding: a signature is
cut into bands, stories sharing one band's values are the candidates. With 16
bands of 4 values, two texts resembling each other at 0.8 become candidates
with probability > 0.999, at 0.3 with < 0.13.

The signature is datasketch's "affine32" MinHash (SHA-1 of each shingle, the
MurmurHash3 finalizer, then 64 affine permutations mod 2^32 drawn from seed 1),
computed here in a few lines of numpy rather than by importing datasketch:
its package import loads scipy (half a second, in every process that parses:
most of a ``wire ingest`` worker's start), for a computation that is one
vectorised expression. The values are bit for bit datasketch's, so signatures
stored by earlier versions still compare; ``tests/test_duplicates.py`` checks
them against datasketch itself.

Pure: signatures and bands are values; the store indexes the bands, the desk
decides what a match means (``wire.service``: a new story too like an existing
one is held for review).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from wire.model import Story

SCHEME = "minhash-w3-p64-b16"  # stored with each signature: another scheme never compares
SHINGLE_WORDS = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
MIN_WORDS = 15  # shorter copy (a headline, a one-line flash) is too little to judge by
_SEED = 1  # of the permutations; fixed, since signatures are stored
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3's 32-bit finalizer
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
    values = signature(shingles)
    return Fingerprint(values.tobytes(), _bands(values))


def signature(shingles: Collection[bytes]) -> np.ndarray:
    """The MinHash signature of a non-empty set of shingles: for each of the
    ``PERMUTATIONS`` permutations, the least permuted hash (uint32)."""
    hashed = np.fromiter(
        (int.from_bytes(hashlib.sha1(s).digest()[:4], "little") for s in shingles),
        dtype=np.uint32,
        count=len(shingles),
    )
    first, times, second, again, third = (np.uint32(c) for c in _FMIX32)
    mixed = hashed ^ (hashed >> first)
    mixed = mixed * times
    mixed = mixed ^ (mixed >> second)
    mixed = mixed * again
    mixed = mixed ^ (mixed >> third)
    a, b = _permutations()
    permuted = mixed.reshape(-1, 1) * a + b  # wraps: arithmetic mod 2^32
    least: np.ndarray = permuted.min(axis=0)
    return least


@lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The permutations h → a·h + b (mod 2^32, ``a`` odd: a bijection), drawn
    once from the seed, in datasketch's order."""
    draw = np.random.RandomState(_SEED)
    a = draw.randint(0, 1 << 31, PERMUTATIONS, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = draw.randint(0, 1 << 32, PERMUTATIONS, dtype=np.uint32)
    return a, b


def _bands(values: np.ndarray) -> tuple[str, ...]:
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "big")).hexdigest()
        keys.append(f"{band:02d}{digest}")
    return tuple(keys)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures: the
    share of permutations whose least values agree."""
    first = np.frombuffer(a, dtype=np.uint32)
    second = np.frombuffer(b, dtype=np.uint32)
    return float(np.count_nonzero(first == second)) / len(first)


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
