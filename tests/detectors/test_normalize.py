"""Folding and the tokeniser's shortcuts give what the plain computations give (cached runs, pruned splits)."""

from __future__ import annotations

import random

from enkrypt_middleware.detectors import _linear, _normalize
from enkrypt_middleware.detectors._linear import LazyLexicon, ModelColumns
from enkrypt_middleware.detectors._normalize import fold, fold_with_offsets

#: Characters to build texts from: ASCII, Latin-1, lookalikes, combining marks, format characters, full-width and
#: mathematical letters, Cyrillic, CJK, emoji, ideographic space, and lone surrogates.
_ALPHABET = (
    "aZ 9.'\n"
    "éÉßøİ"
    "аеорсΣσς"
    "\u0301\u0332\u200b\u00ad\ufe0f"
    "ＡｂＣ１　、。"
    "𝐀𝚒𝓪ɪᴏ€"
    "指令忽略プロンプト"
    "😊👍\U0001f1fa"
    "\ud800\udc00"
)


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    non_ascii = [char for char in _ALPHABET if not char.isascii()]
    out = []
    for _ in range(count):
        # short runs again and again (the caches' case) and long ones (past them)
        alphabet = _ALPHABET if rng.random() < 0.8 else non_ascii
        size = rng.choice((1, 3, 8, 40))
        out.append("".join(rng.choice(alphabet) for _ in range(size)) * rng.randint(1, 3) + rng.choice(("", " x")))
    return out


def test_fold_is_the_folding_with_offsets() -> None:
    texts = _texts(4000, 1)
    for text in texts + [" ".join(texts[:200]), "a\ud83d\ude00B", "ΣΑΣ Σ", "İSTANBUL"]:
        assert fold(text) == fold_with_offsets(text)[0], ascii(text)


def _plain_encoded(text: str) -> bytes:
    """``_linear._encode`` as first written: every run of non-ASCII characters folded afresh."""
    out = []
    for index, char in enumerate(text):
        if char.isascii():
            out.append(char)
        elif index == 0 or text[index - 1].isascii():
            end = index
            while end < len(text) and not text[end].isascii():
                end += 1
            folded = fold_with_offsets(text[index:end])[0].translate(_linear._EXTRA_LOOKALIKES)
            out.append(folded if folded.isascii() else _linear._NON_ASCII.sub(" ", folded))
    return "".join(out).encode("ascii").translate(_linear._LINE_TABLE, b"'")


def test_encoded_text_folds_every_run_as_the_plain_encoding() -> None:
    texts = _texts(4000, 2)
    for text in texts + [" ".join(texts[:200]), "ɪɢɴᴏʀᴇ ᴀʟʟ ᴘʀᴇᴠɪᴏᴜs", "𝚒𝚐𝚗𝚘𝚛𝚎 " * 3]:
        assert _linear._encode(text, _linear._LINE_TABLE) == _plain_encoded(text), ascii(text)


def _plain_segment(run: str, lexicon: frozenset[str]) -> list[str]:
    """``_linear._segment`` as first written: every piece of up to 24 letters ending at every point looked up."""
    n = len(run)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 24), end):
            prefix = best[start]
            if prefix is not None and run[start:end] in lexicon:
                candidate = [*prefix, run[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    found = best[n]
    return found if found is not None else [run]


def test_segment_stops_at_pieces_no_word_starts_with() -> None:
    # The shipped model's lexicon (thousands of words, some longer than 24 letters), runs of its words with a
    # letter or two of noise: the pruned search splits as the plain one, through a LazyLexicon and a plain set.
    features = ModelColumns.load("injection").features
    lexicon = LazyLexicon(lambda: _linear.lexicon(features))
    words = sorted(lexicon.get())
    rng = random.Random(4)
    split = unsplit = 0
    for _ in range(3000):
        run = "".join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        if rng.random() < 0.3:
            position = rng.randint(0, len(run))
            run = run[:position] + rng.choice("qxzjv") + run[position:]
        expected = _plain_segment(run, lexicon.get())
        assert _linear._segment(run, lexicon) == expected, run
        assert _linear._segment(run, set(lexicon.get())) == expected, run
        split += len(expected) > 1
        unsplit += expected == [run]
    assert split > 1000 and unsplit > 100


def test_folding_tables_clear_when_full_and_fold_alike() -> None:
    # More distinct characters than a table keeps: it is cleared on the way, and every character still folds.
    rng = random.Random(5)
    codes = rng.sample(range(0x100, 0x2FFFF), 12000)
    text = " ".join("".join(chr(code) for code in codes[i : i + 3]) for i in range(0, len(codes), 3))
    assert fold(text) == fold_with_offsets(text)[0]
    assert _linear._encode(text, _linear._LINE_TABLE) == _plain_encoded(text)
    assert len(_normalize._FOLDED) < 12000 and len(_linear._ASCII_CHARS) < 12000
