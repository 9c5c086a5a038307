"""Export a trained checkpoint as a self-contained TorchScript or ONNX model.

    rnnlp export runs/sentiment-x/best --format onnx --output sentiment.onnx

The exported graph takes the *encoded* inputs; tokenisation stays in ``tokenizer.json`` (load it
with ``tokenizers.Tokenizer.from_file`` or ``rnnlp.text.TextPipeline``), so any runtime can feed it.

The task table's ``export`` names the graph's shape (``SHAPES``):

- classifier (sentiment): ``(ids int64 B×T, lengths int64 B) -> probabilities float32 B×C``,
  columns in the order of the checkpoint's ``labels.json``.
- tagger (tagging): ``(ids B×T, chars B×T×L, cases B×T, lengths B) -> emissions B×T×C`` (per-token
  tag scores; with a CRF head the Viterbi decode over ``crf.transitions`` stays outside the graph).

Batch and time (and the word length of ``chars``) are dynamic: the graph is traced once on an
example batch and checked on a batch of another shape and length pattern before it is written.
The file is written atomically (temp file + ``os.replace``).
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch
from torch import nn

from rnnlp.errors import CheckpointError, ConfigError, RnnlpError, choice_error
from rnnlp.io import atomic_write_bytes
from rnnlp.tasks.table import TASKS as TABLE

FORMATS = ("torchscript", "onnx")
TASKS = tuple(name for name, entry in TABLE.items() if entry.export)  # each names one of SHAPES (tested)
TOLERANCE = 1e-5


def _mask(ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    steps = torch.arange(ids.size(1), device=ids.device)
    return steps.unsqueeze(0) < lengths.unsqueeze(1)  # B×T


class ClassifierExport(nn.Module):
    """``(ids B×T, lengths B) -> probabilities B×C`` around a ``SequenceClassifier``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        logits = self.model(ids, lengths, _mask(ids, lengths))  # B×C
        if logits.size(1) == 1:  # binary: one sigmoid logit -> two columns, as predict_proba
            p = torch.sigmoid(logits[:, 0])
            return torch.stack([1 - p, p], dim=1)
        return logits.softmax(1)


class TaggerExport(nn.Module):
    """``(ids B×T, chars B×T×L, cases B×T, lengths B) -> emissions B×T×C`` around a ``SequenceTagger``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, ids, chars, cases, lengths):
        from rnnlp.models.tagger import TagBatch

        return self.model(TagBatch(ids, chars, cases, lengths, _mask(ids, lengths), None))


def as_padded_encoder(encoder: nn.Module) -> nn.Module:
    """A ``mode="pack"`` RNNEncoder as the equivalent ``mode="pad"`` one (same weights).

    ``pack_padded_sequence`` does not trace to a graph with dynamic lengths; the padded mode with
    per-sequence reversal gives identical outputs and traces cleanly.
    """
    from rnnlp.nn.rnn import RNNEncoder

    if not isinstance(encoder, RNNEncoder) or encoder.mode != "pack":
        return encoder
    rnn = encoder.rnn
    padded = RNNEncoder(rnn.input_size, encoder.hidden_size, encoder.num_layers, encoder.bidirectional,
                        cell=encoder.cell, mode="pad")
    state = {}
    for layer in range(encoder.num_layers):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            if hasattr(rnn, f"{name}_l{layer}"):
                state[f"fwd.{layer}.{name}_l0"] = getattr(rnn, f"{name}_l{layer}")
                if encoder.bidirectional:
                    state[f"bwd.{layer}.{name}_l0"] = getattr(rnn, f"{name}_l{layer}_reverse")
    padded.load_state_dict({k: v.detach() for k, v in state.items()}, strict=True)
    return padded.to(next(rnn.parameters()).device).eval()


# -- examples ----------------------------------------------------------------------------
def _ids(lengths: list[int], vocab_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, max(vocab_size, 5), (len(lengths), max(lengths)), generator=gen)
    lengths_t = torch.tensor(lengths, dtype=torch.long)
    return ids.masked_fill(~_mask(ids, lengths_t), 0), lengths_t


def example_inputs(shape: str, sizes: tuple[int, int], lengths: list[int], seed: int = 0) -> tuple:
    """Random encoded inputs with these lengths (padding 0), in the order of a graph of ``shape``.

    ``sizes`` = (vocabulary size, number of character ids; the latter used by the tagger only).
    """
    ids, lengths_t = _ids(lengths, sizes[0], seed)
    if shape == "classifier":
        return ids, lengths_t
    mask = _mask(ids, lengths_t)
    gen = torch.Generator().manual_seed(seed + 1)
    width = 3 + seed % 3
    chars = torch.randint(1, max(sizes[1], 2), (*ids.shape, width), generator=gen) * mask.unsqueeze(-1)
    cases = torch.randint(1, 8, ids.shape, generator=gen) * mask
    return ids, chars, cases, lengths_t


TRACE_LENGTHS = [7, 5, 6, 2]   # unsorted, none full-length but the first
CHECK_LENGTHS = [3, 11, 1, 9, 11]  # another batch size, longer time axis, other order


# shape -> (wrapper, input names, output names); a tagger's outputs are per token
SHAPES = {"classifier": (ClassifierExport, ["ids", "lengths"], ["probabilities"]),
          "tagger": (TaggerExport, ["ids", "chars", "cases", "lengths"], ["emissions"])}


def wrap(shape: str, model: nn.Module) -> nn.Module:
    """The export wrapper of ``shape`` around a loaded model (eval mode, pack encoders made padded)."""
    model.encoder = as_padded_encoder(model.encoder)
    return SHAPES[shape][0](model).eval()


# -- formats -----------------------------------------------------------------------------
def _torchscript(module: nn.Module, example: tuple) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(module, example, check_trace=False)
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    return buffer.getvalue()


def _onnx(module: nn.Module, example: tuple, shape: str) -> bytes:
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ConfigError("ONNX export needs the onnx package: pip install 'rnnlp[export]'") from None
    _, names, outputs = SHAPES[shape]
    axes = {"ids": {0: "batch", 1: "time"}, "lengths": {0: "batch"},
            "chars": {0: "batch", 1: "time", 2: "word_length"}, "cases": {0: "batch", 1: "time"}}
    out_axes = {"probabilities": {0: "batch"}, "emissions": {0: "batch", 1: "time"}}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, buffer, input_names=names, output_names=outputs,
                          dynamic_axes={**{n: axes[n] for n in names}, **out_axes}, opset_version=17,
                          dynamo=False)
    return buffer.getvalue()


def run_exported(path, format: str, inputs: tuple) -> torch.Tensor:
    """Run an exported file on encoded inputs (for checks and tests)."""
    if format == "torchscript":
        with torch.no_grad():
            return torch.jit.load(str(path))(*inputs)
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {i.name: t.numpy() for i, t in zip(session.get_inputs(), inputs)}
    return torch.from_numpy(session.run(None, feed)[0])


def _verify(module: nn.Module, data: bytes, format: str, shape: str, sizes, where) -> None:
    """The exported graph must match eager PyTorch on a batch of another shape and length pattern."""
    inputs = example_inputs(shape, sizes, CHECK_LENGTHS, seed=1)
    with torch.no_grad():
        expected = module(*inputs)
    if format == "onnx":
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return  # onnx alone can write the file; checking it needs onnxruntime
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / ("model.pt" if format == "torchscript" else "model.onnx")
        file.write_bytes(data)
        try:
            got = run_exported(file, format, inputs)
        except Exception as exc:  # e.g. a shape baked into the graph by tracing
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise RnnlpError(f"exported {format} model of {where} fails on a batch of another shape "
                             f"({first}); please report this") from None
    mask = _mask(inputs[0], inputs[-1])
    if shape == "tagger":  # padding positions are not part of the contract
        expected, got = expected[mask], got[mask]
    diff = float((expected - got).abs().max())
    if diff > TOLERANCE:
        raise RnnlpError(f"exported {format} model of {where} differs from the checkpoint by {diff:.2e} "
                         "on variable-length input; please report this")


def export(ckpt_path, format: str, output) -> Path:
    """Export a checkpoint of one of ``TASKS`` (the tasks whose table entry names an ``export`` shape) to ``output``.

    Writes TorchScript or ONNX (atomically) and returns the path.

    Raises ConfigError for an unknown format, CheckpointError for a missing/corrupt checkpoint
    or a task that cannot be exported.
    """
    if format not in FORMATS:
        raise choice_error("export format", format, FORMATS)
    from rnnlp import api

    loaded = api.load(ckpt_path)
    if loaded.task not in TASKS:
        raise CheckpointError(f"checkpoint {loaded.path} holds a {loaded.task} model; export supports "
                              f"{', '.join(TASKS)} checkpoints")
    output = Path(output)
    if output.is_dir():
        raise ConfigError(f"--output {output} is a folder; give a file name")
    shape = TABLE[loaded.task].export
    sizes = (loaded.pipeline.vocab_size, len(getattr(loaded, "chars", ())))
    module = wrap(shape, loaded.model.cpu().eval())
    example = example_inputs(shape, sizes, TRACE_LENGTHS)
    with torch.no_grad():
        data = _torchscript(module, example) if format == "torchscript" else _onnx(module, example, shape)
    _verify(module, data, format, shape, sizes, loaded.path)
    atomic_write_bytes(output, data)
    return output
