"""``repr`` of a loaded model: what it is at a glance (task, checkpoint, labels, vocabularies, device)."""

from __future__ import annotations

SHOWN_LABELS = 6  # more labels are counted, not listed


def loaded_repr(obj) -> str:
    """``Tagger(task='tagging', path='runs/x/best', labels=9 ['B-LOC', ...], vocab=1234, device='cpu')``."""
    parts = [f"task={obj.task!r}", f"path={str(obj.path)!r}"]
    labels = getattr(obj, "labels", None)
    if labels:
        shown = ", ".join(repr(str(x)) for x in labels[:SHOWN_LABELS])
        parts.append(f"labels={len(labels)} [{shown}{', ...' if len(labels) > SHOWN_LABELS else ''}]")
    parts += [f"{_vocab_name(k)}={p.vocab_size}" for k, p in sorted(vars(obj).items())
              if k.endswith("pipeline") and p is not None and hasattr(p, "vocab_size")]
    parts.append(f"parameters={sum(p.numel() for p in obj.model.parameters()):,}")
    parts.append(f"device={str(obj.device)!r}")
    return f"{type(obj).__name__}({', '.join(parts)})"


def _vocab_name(attribute: str) -> str:
    """``pipeline`` -> ``vocab``, ``source_pipeline`` -> ``source_vocab``."""
    prefix = attribute[: -len("pipeline")]
    return f"{prefix}vocab"
