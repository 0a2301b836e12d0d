"""Small linear text classifiers that ship inside the package, scored in plain Python.

A model is a vocabulary of features (word unigrams and bigrams over normalised, lower-cased text) with
one weight per output head, plus a bias per head: ``p(head) = sigmoid(bias + sum(weights))``. Only
features the trainer kept (the informative ones) are stored, so a model is a dict lookup per token:
no NumPy, no PyTorch, nothing to download. Models are trained by ``training/`` from the development
sets and saved as gzip-compressed JSON in ``enkrypt_middleware/detectors/models/``; they are read
from the installed package with :mod:`importlib.resources` on first use.

Two tokenisations (the model file names the one it was trained with, ``features``):

``words12``
    :func:`words`: ``[a-z0-9]+`` words (with an apostrophe suffix) of the folded text (Unicode tricks
    undone, see ``_normalize``).
``norm12``
    :func:`norm_words`: also undoes the obfuscations attackers use to get words past filters. Small
    capitals and a few more lookalikes (``ɪɢɴᴏʀᴇ``, ``€``, ``ь``) become letters; leetspeak inside a word
    (``1gn0r3``, ``$ystem``, ``in5truc7ions``, ``dis|ike``) is undone when the result is a word the
    model knows (its ``lexicon``); letters spelled out one by one (``i g n o r e``, ``I-g-n-o-r-e``)
    are joined, and split into known words when they run together (``ignoreall`` -> ``ignore all``).
    Apostrophes are dropped (``don't`` -> ``dont``). Plain text pays for one ``bytes.translate`` and
    one ``split``.

File format (``<name>.json.gz``)::

    {"format": 1, "heads": ["injection", "jailbreak"], "bias": [-1.2, -2.0],
     "features": "norm12", "weights": {"ignore previous": [2.1, 0.3], ...},
     "meta": {"trained_on": [...], "seed": 13, "validation": {...}}}
"""

from __future__ import annotations

import base64
import codecs
import gzip
import json
import math
import re
import sys
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate, chain, compress, repeat
from operator import add, not_, truediv
from typing import Any, NamedTuple

from ._normalize import CharTable, fold, stretch_handler

__all__ = [
    "FEATURE_SETS",
    "LazyLexicon",
    "LinearModel",
    "ModelColumns",
    "decode_columns",
    "encode_columns",
    "featurize",
    "lexicon",
    "norm_lines",
    "norm_words",
    "sigmoid",
    "words",
]

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-cased word tokens of the folded text (Unicode tricks undone, see ``_normalize``)."""
    return _WORD.findall(fold(text) if not text.isascii() else text.lower())


def featurize(tokens: Sequence[str]) -> list[str]:
    """Unigrams and bigrams (``"a b"``) of a token list."""
    return [*tokens, *map(add, tokens, map(" ".__add__, tokens[1:]))]


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# --- norm12 --------------------------------------------------------------------------------------------------

#: Lookalikes that ``fold`` leaves alone (it is shared with matchers that must not over-reach): small
#: capitals, IPA and Latin-extended letters, and the euro sign as used for "e". Applied after ``fold``.
_EXTRA_LOOKALIKES = str.maketrans(
    {
        "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ꜰ": "f", "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j",
        "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u",
        "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ǀ": "l", "ϳ": "j", "ꭵ": "i",
        "ь": "b", "σ": "c", "€": "e", "¡": "i", "ß": "ss",
    }
)  # fmt: skip

#: Leetspeak characters kept inside tokens so that they can be undone.
_LEET_SYMBOLS = b"@$|!+"


def _token_table() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789" + _LEET_SYMBOLS:
        table[byte] = byte
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[byte] = byte + 32
    return bytes(table)


_TOKEN_TABLE = _token_table()
#: The same, keeping line breaks (for ``norm_lines``).
_LINE_TABLE = _TOKEN_TABLE[:10] + b"\n" + _TOKEN_TABLE[11:]
#: Two readings of the ambiguous leet characters (``1`` and ``|`` are "i" or "l").
_LEET_READINGS = (
    str.maketrans("013456789@$|!+", "oieasgtbgaslit"),
    str.maketrans("013456789@$|!+", "oleasgtbgasiit"),
)
_SYMBOL_SPLIT = re.compile(r"[@$|!+]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
#: Longest word tried when splitting run-together letters into lexicon words.
_MAX_WORD = 24
#: Shortest run of one-letter tokens taken for a spelled-out word.
_MIN_SPELLED = 4
_SPELLED = b"\x01" * _MIN_SPELLED
_MEMO_LIMIT = 50_000


def _deleet(token: str, lexicon: Collection[str]) -> list[str]:
    """Tokens for a token that is not all letters: leetspeak undone if that gives a known word."""
    if token.isdigit():
        return [token]
    for core in (token, token.strip("!|+")):
        for reading in _LEET_READINGS:
            candidate = core.translate(reading)
            if candidate.isalpha() and candidate in lexicon:
                return [candidate]
    return [piece for piece in _SYMBOL_SPLIT.split(token) if piece]


def _segment(run: str, lexicon: Collection[str]) -> list[str]:
    """``run`` split into lexicon words (fewest words; of equally few, the split whose last word starts first,
    and so on back), or ``[run]`` when it cannot be.

    Each split point reached extends its split by every lexicon word that starts there, shortest first, up to
    the first piece that no lexicon word starts with (``_prefixes``): no longer piece can be a word, and most
    pieces of three or four letters are not. Asking up to 24 pieces of every point cost a few milliseconds on
    a message with a few lines of spaced-out letters. A ``LazyLexicon`` is looked through to its set (each
    ``in`` on the wrapper is a Python call). Each point keeps its word count and where its last word starts,
    and the words are read back from the end: a copy of the split so far at every word found made a long run
    of letters quadratic (seconds for 30,000 spaced-out letters).
    """
    words = lexicon.get() if isinstance(lexicon, LazyLexicon) else lexicon
    prefixes = _prefixes(words) if isinstance(words, frozenset) else None
    n = len(run)
    counts: list[int] = [0] + [-1] * n  # words in the best split of run[:point], -1 when there is none
    backs: list[int] = [0] * (n + 1)  # where that split's last word starts
    # Points in order: a point's split is final before it is extended (only earlier points extend to it), and
    # the words ending at a point are tried from the earliest start, a shorter split replacing a longer one.
    for start in range(n):
        if counts[start] < 0:
            continue
        size = counts[start] + 1
        for end in range(start + 1, min(start + _MAX_WORD, n) + 1):
            piece = run[start:end]
            if prefixes is not None and piece not in prefixes:
                break
            if piece in words and (counts[end] < 0 or size < counts[end]):
                counts[end], backs[end] = size, start
    if counts[n] < 0:
        return [run]
    out: list[str] = []
    end = n
    while end:
        out.append(run[backs[end] : end])
        end = backs[end]
    out.reverse()
    return out


@lru_cache(maxsize=4)
def _prefixes(words: frozenset[str]) -> frozenset[str]:
    """Every prefix of every word of a lexicon (for ``_segment``; built the first time a text spells letters out)."""
    return frozenset(word[:size] for word in words for size in range(1, min(len(word), _MAX_WORD) + 1))


def _join_spelled(tokens: list[str], lexicon: Collection[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1:
            run.append(token)
            continue
        if len(run) >= _MIN_SPELLED:
            out.extend(_segment("".join(run), lexicon))
        else:
            out.extend(run)
        run = []
        if token:
            out.append(token)
    return out


def norm_words(text: str, lexicon: Collection[str] = frozenset()) -> list[str]:
    """Word tokens with Unicode tricks, leetspeak and letter spacing undone (see the module docstring).

    ``lexicon`` is the set of words leetspeak and spelled-out letters are resolved against; a model
    passes its own vocabulary.
    """
    data = _encode(text, _TOKEN_TABLE)
    tokens = data.decode("ascii").split()
    if data.translate(None, _LETTERS_AND_SPACES):  # some token is not all letters
        tokens = _deleet_tokens(tokens, lexicon, {})
    if _SPELLED in _lengths(tokens):
        tokens = _join_spelled(tokens, lexicon)
    return tokens


def norm_lines(
    text: str, lexicon: Collection[str] = frozenset(), memo: dict[str, list[str]] | None = None
) -> list[list[str]]:
    """``norm_words`` of every line of ``text`` (split at ``\\n``), from one pass over the whole text.

    ``memo`` caches how odd tokens (digits, leet symbols) resolve; a caller that tokenises many texts
    against one lexicon passes the same dict each time (it is cleared when it grows past 50,000 entries).
    """
    return split_lines(text, lexicon, memo).lines


class Lines(NamedTuple):
    """A text's lines of ``norm_words`` tokens (``split_lines``)."""

    lines: list[list[str]]
    #: Every line's tokens, in order.
    flat: list[str]
    #: Whether ``flat`` is the text's tokens as split, nothing undone (then it is the list ``tokens`` given to
    #: ``split_lines``, when one was).
    raw: bool
    #: The encoded text with every token byte an ``x``, a space at the start of each line and at the end: the
    #: tokens as split have one of ``n`` bytes or more if and only if ``b"x" * n in spaced``.
    spaced: bytes
    #: The text's tokens as split, before leetspeak and spelled-out letters are undone (``flat`` when ``raw``).
    tokens: list[str]


def split_lines(
    text: str,
    lexicon: Collection[str] = frozenset(),
    memo: dict[str, list[str]] | None = None,
    tokens: list[str] | None = None,
) -> Lines:
    """``norm_lines(text, lexicon, memo)``, and the lines' tokens as one list.

    ``tokens``: the text's tokens before leetspeak and spelled-out letters are undone (the white-space split of
    its encoded form), when the caller has them (``injection_attack`` shares ``toxicity``'s tokens of a plain
    ASCII text): they are not split again.

    A caller's tokens are cut into lines by counting each line's tokens in C, in ``spaced``: the encoded text
    with every token byte an ``x`` and a space at the start of every line (and at the end), where a token
    starts at each ``" x"``. Without them, each line is split (``str.split`` per line, a ``chain`` for the
    whole): that makes the same tokens as one split of the text (a line break is white space to ``split``),
    and costs less than that split plus the counting, which reads the text twice more.
    Leetspeak is undone on the lines with a digit or a symbol (one ``translate`` shows which), spelled-out
    letters on the lines with four one-letter tokens in a row, which one search of ``spaced`` rules out for
    most texts (``_SPELLED_RUN``), rather than measuring every token.
    """
    data = _encode(text, _LINE_TABLE)
    spaced = (b" " + data.translate(_SHAPE_TABLE) + b" ").replace(b"\n", b"\n ")
    lines: list[list[str]] = []
    if tokens is not None:
        starts = list(accumulate(map(bytes.count, spaced.split(b"\n"), repeat(b" x")), initial=0))
        if len(tokens) == starts[-1]:  # a caller's tokens always match; stay safe
            lines = list(map(tokens.__getitem__, map(slice, starts, starts[1:])))
        else:
            tokens = None
    if tokens is None:
        lines = list(map(str.split, data.decode("ascii").split("\n")))
        tokens = list(chain.from_iterable(lines))
    changed: list[int] = []  # lines whose tokens leetspeak changed
    odd = data.translate(None, _LETTERS_AND_SPACE)  # digits, leet symbols and line breaks
    if len(odd) != len(lines) - 1:  # some token is not all letters
        if memo is None:
            memo = {}
        elif len(memo) > _MEMO_LIMIT:
            memo.clear()
        for index in compress(range(len(lines)), odd.split(b"\n")):  # the lines with such a token
            fixed = _deleet_tokens(lines[index], lexicon, memo)
            if fixed != lines[index]:
                lines[index] = fixed
                changed.append(index)
    joined = False
    # A run can only be in a line as split (``spaced`` shows those lines) or in a line leetspeak changed.
    if _SPELLED_RUN.search(spaced) or any(_SPELLED in _lengths(lines[index]) for index in changed):
        for index, line in enumerate(lines):
            if len(line) >= _MIN_SPELLED and _SPELLED in _lengths(line):
                lines[index] = _join_spelled(line, lexicon)
                joined = True
    if changed or joined:
        return Lines(lines, list(chain.from_iterable(lines)), False, spaced, tokens)
    return Lines(lines, tokens, True, spaced, tokens)


def _shape_table() -> bytes:
    table = bytearray(b"x" * 256)
    table[ord(" ")] = ord(" ")
    table[ord("\n")] = ord("\n")
    return bytes(table)


#: Every byte of a token (what ``_encode`` leaves besides spaces and line breaks) to ``x``.
_SHAPE_TABLE = _shape_table()
#: Four one-byte tokens in a row in a line of ``split_lines``'s ``spaced``, where every token follows a space. It
#: starts with the literal ``" x "`` (a one-byte token, a few dozen in 10 KB of prose), which ``re`` looks for
#: in C; ``" x"`` alone would have been tried at every token.
_SPELLED_RUN = re.compile(rb" x  *x +x +x[ \n]")


def _ascii(run: str) -> str:
    """A run of non-ASCII characters folded (``_normalize.fold``, the extra lookalikes) and with what is still not
    ASCII turned into spaces: ``_encode``'s codec error handler (``_normalize.stretch_handler``). Given a dense
    stretch of runs and short ASCII gaps, its ASCII characters come out lower-cased (as ``_encode``'s tables map
    them).

    Character by character, in C (``_ASCII_CHARS``): ``fold(run).translate(_EXTRA_LOOKALIKES)`` is the folded
    characters joined, and that ``translate`` with a dict raised and cleared a ``LookupError`` for every character
    not in it, most of them.
    """
    folded = run.translate(_ASCII_CHARS)
    return folded if folded.isascii() else _NON_ASCII.sub(" ", folded)


def _ascii_char(char: str) -> str:
    """A character folded (``_normalize.fold``) and its extra lookalikes mapped."""
    return fold(char).translate(_EXTRA_LOOKALIKES)


_ASCII_CHARS = CharTable(_ascii_char)


_FOLD_ERRORS = "enkrypt_middleware.fold"
codecs.register_error(_FOLD_ERRORS, stretch_handler(_ascii))


def _encode(text: str, table: bytes) -> bytes:
    """``text`` folded to ASCII and mapped through ``table`` (apostrophes dropped): tokens and white space."""
    return text.encode("ascii", _FOLD_ERRORS).translate(table, b"'")


#: What ``_encode`` leaves that is not a digit or a leet symbol: deleting it from the bytes tells in one C pass
#: whether any token needs ``_deleet`` (joining the tokens and asking ``isalpha`` cost a split and a join).
_LETTERS_AND_SPACES = b"abcdefghijklmnopqrstuvwxyz \n"
#: The same, line breaks kept (``split_lines`` reads which lines hold such a token).
_LETTERS_AND_SPACE = b"abcdefghijklmnopqrstuvwxyz "


def _lengths(tokens: Iterable[str]) -> bytes:
    """Token lengths as bytes (capped at 255), to look for runs of one-letter tokens with ``in``."""
    lengths = list(map(len, tokens))
    try:
        return bytes(lengths)
    except ValueError:
        return bytes(min(length, 255) for length in lengths)


def _deleet_tokens(tokens: list[str], lexicon: Collection[str], memo: dict[str, list[str]]) -> list[str]:
    fixed: list[str] = []
    pos = 0
    for index in compress(range(len(tokens)), map(not_, map(str.isalpha, tokens))):
        fixed += tokens[pos:index]
        token = tokens[index]
        found = memo.get(token)
        if found is None:
            found = memo[token] = _deleet(token, lexicon)
        fixed += found
        pos = index + 1
    fixed += tokens[pos:]
    return fixed


#: Tokenisers by the name a model file gives in ``features``.
FEATURE_SETS: dict[str, Callable[[str, Collection[str]], list[str]]] = {
    "words12": lambda text, lexicon: words(text),
    "norm12": norm_words,
}


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A multi-head linear model over word unigram and bigram features."""

    name: str
    heads: tuple[str, ...]
    bias: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]
    meta: dict[str, Any]
    features: str = "words12"
    _lexicon: list[frozenset[str]] = field(default_factory=list, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.features not in FEATURE_SETS:
            raise ValueError(f"model {self.name}: unknown feature set {self.features!r}")

    @property
    def lexicon(self) -> frozenset[str]:
        """Every word that occurs in a feature (computed on first use)."""
        if not self._lexicon:
            self._lexicon.append(lexicon(self.weights))
        return self._lexicon[0]

    def tokens(self, text: str) -> list[str]:
        """``text`` tokenised the way this model was trained."""
        if self.features == "norm12":
            return norm_words(text, LazyLexicon(lambda: self.lexicon))
        return words(text)

    def logits(self, features: Iterable[str]) -> list[float]:
        """Bias plus the summed weights of every feature present (repeats count once)."""
        totals = list(self.bias)
        get = self.weights.get
        for feature in set(features):
            row = get(feature)
            if row is not None:
                for i, weight in enumerate(row):
                    totals[i] += weight
        return totals

    def predict(self, text: str) -> dict[str, float]:
        """Probability per head for ``text``."""
        return dict(zip(self.heads, map(sigmoid, self.logits(featurize(self.tokens(text)))), strict=True))

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> LinearModel:
        """The model of a ``to_dict`` result (either layout of the weights)."""
        if data.get("format") != 1:
            raise ValueError(f"model {name}: unsupported format {data.get('format')!r}")
        heads = tuple(data["heads"])
        if "columns" in data:
            weights = _from_columns(data["columns"], len(heads))
        else:
            weights = {feature: tuple(row) for feature, row in data["weights"].items()}
        features = data.get("features", "words12")
        return cls(name, heads, tuple(data["bias"]), weights, dict(data.get("meta", {})), features)

    def to_dict(self, *, compact: bool = False, digits: int = 4) -> dict[str, Any]:
        """A JSON-ready dict. ``compact`` stores the weights as columns instead of ``{feature: [w, ...]}``:
        the features as one string, each head's weights as base64 of little-endian int32 in units of
        ``10**-digits`` (weights are rounded to that), which loads several times faster."""
        data: dict[str, Any] = {
            "format": 1,
            "heads": list(self.heads),
            "bias": list(self.bias),
            "features": self.features,
        }
        if compact:
            data["columns"] = encode_columns(self.weights, len(self.heads), 10**digits)
        else:
            data["weights"] = {feature: list(row) for feature, row in self.weights.items()}
        data["meta"] = self.meta
        return data

    @staticmethod
    @cache
    def load(name: str) -> LinearModel:
        """The model ``name`` from the installed package (read once per process)."""
        return LinearModel.from_dict(name, _read(name))


def lexicon(features: Collection[str]) -> frozenset[str]:
    """Every word that occurs in ``features`` (unigrams and ``"a b"`` bigrams).

    One join and one split of all the features rather than a split per feature (there are tens of
    thousands): the same words, since joining with a space and splitting at every space gives each
    feature's ``split(" ")`` in turn.
    """
    return frozenset(" ".join(features).split(" ")) if features else frozenset()


class ModelColumns(NamedTuple):
    """A shipped model as its file stores it: the features, and per head the weight of every feature.

    For scorers that keep a dict per head (``injection_attack``): ``LinearModel`` pairs the heads' weights
    into a tuple per feature, and building those tens of thousands of tuples was most of the cost of
    loading a model (the garbage collector also ran over them, since tuples start out tracked). A named
    tuple rather than a dataclass: the class costs a tenth of the time to create at import.
    """

    name: str
    heads: tuple[str, ...]
    bias: tuple[float, ...]
    features: list[str]
    #: ``columns[h][i]`` is head ``h``'s weight of ``features[i]``: the float ``LinearModel.weights`` holds at
    #: ``[features[i]][h]``.
    columns: list[list[float]]
    feature_set: str

    @staticmethod
    @cache
    def load(name: str) -> ModelColumns:
        """The model ``name`` from the installed package (read once per process)."""
        data = _read(name)
        heads = tuple(data["heads"])
        if "columns" in data:
            features, columns = decode_columns(data["columns"], len(heads))
        else:
            rows = data["weights"]
            features = list(rows)
            columns = [[row[h] for row in rows.values()] for h in range(len(heads))]
        return ModelColumns(name, heads, tuple(data["bias"]), features, columns, data.get("features", "words12"))


def _read(name: str) -> dict[str, Any]:
    path = resources.files("enkrypt_middleware.detectors") / "models" / f"{name}.json.gz"
    data: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    if data.get("format") != 1:
        raise ValueError(f"model {name}: unsupported format {data.get('format')!r}")
    return data


def encode_columns(weights: Mapping[str, Sequence[float]], heads: int, scale: int) -> dict[str, Any]:
    """The compact layout of ``{feature: (weight per head)}``: the features as one string (``\\n``-separated)
    and each head's weights as base64 of little-endian int32 in units of ``1 / scale`` (weights are rounded
    to that). Shared by the ``LinearModel`` files (``columns``) and the ``toxicity`` model (``weights``)."""
    features = list(weights)
    if any("\n" in feature for feature in features):  # pragma: no cover - tokens never hold line breaks
        raise ValueError("a feature holds a line break")
    values = []
    for h in range(heads):
        column = array("i", (round(weights[feature][h] * scale) for feature in features))
        if sys.byteorder == "big":  # pragma: no cover
            column.byteswap()
        values.append(base64.b64encode(column.tobytes()).decode("ascii"))
    return {"features": "\n".join(features), "scale": scale, "values": values}


def _from_columns(columns: Mapping[str, Any], heads: int) -> dict[str, tuple[float, ...]]:
    features, values = decode_columns(columns, heads)
    return dict(zip(features, zip(*values, strict=True), strict=True))


def decode_columns(columns: Mapping[str, Any], heads: int) -> tuple[list[str], list[list[float]]]:
    """The inverse of :func:`encode_columns`: the features and each head's weights, as stored (``value / scale``).

    Every step is one C loop (split, base64, ``array``, ``map``): no Python code runs per feature.
    """
    features = columns["features"].split("\n") if columns["features"] else []
    scale = float(columns["scale"])
    values: list[list[float]] = []
    for encoded in columns["values"][:heads]:
        column = array("i")
        column.frombytes(base64.b64decode(encoded))
        if sys.byteorder == "big":  # pragma: no cover
            column.byteswap()
        if len(column) != len(features):
            raise ValueError("model columns do not match the features")
        values.append(list(map(truediv, column, repeat(scale))))
    if len(values) != heads:
        raise ValueError(f"expected {heads} weight columns, got {len(values)}")
    return features, values


class LazyLexicon(Collection[str]):
    """A lexicon built the first time a word is looked up in it.

    Only leetspeak and spelled-out letters look words up (``norm_words``), and most texts have neither:
    building a model's lexicon takes milliseconds, better not spent before a text needs it.
    """

    __slots__ = ("_build", "_words")

    def __init__(self, build: Callable[[], frozenset[str]]) -> None:
        self._build = build
        self._words: frozenset[str] | None = None

    def get(self) -> frozenset[str]:
        """The lexicon (built on the first call; two threads may both build it, to the same set)."""
        if self._words is None:
            self._words = self._build()
        return self._words

    def __contains__(self, word: object) -> bool:
        return word in self.get()

    def __iter__(self) -> Iterator[str]:
        return iter(self.get())

    def __len__(self) -> int:
        return len(self.get())
