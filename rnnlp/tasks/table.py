"""The task table: the one explicit list of rnnlp's tasks. Everything else derives from it.

``rnnlp.api`` (train, load), the CLI (``rnnlp train TASK`` and its options, ``rnnlp evaluate``'s
options, each task's own commands) and ``rnnlp export`` read this dict; nothing registers itself
and nothing is discovered. Adding a task = writing ``rnnlp/tasks/<name>.py`` (see
``rnnlp/tasks/protocol.py``) and its config, then adding one entry here.

Each entry also names the task's verbs (``rnnlp predict|tag|generate|...``, the server's
``POST /v1/models/NAME/VERB`` and the loaded model's method) with their options: rows of the
verb specification, ``rnnlp.tasks.spec``. A task whose verb has no hand-written command gets a
generated one (``rnnlp.cli.verb``) and a generated HTTP verb, from its entry alone.

This module imports only the torch-free, click-free specification: ``rnnlp --help`` reads it.

Option rows are ``(flags, key, help)``. For ``train`` the key is a dotted config key
(``data.train``); for ``evaluate`` it is a keyword of the loaded model's ``evaluate``.
A row's ``kind`` of ``"path"`` marks a file or folder option that ``--data-root`` applies to;
``"count"`` a whole number >= 1 that the CLI checks while parsing (its bound: ``rnnlp.cli.common``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rnnlp.tasks import spec


@dataclass(frozen=True)
class Option:
    flags: str
    key: str
    help: str
    kind: str = "text"          # "text" | "path" | "count"


@dataclass(frozen=True)
class TaskEntry:
    module: str                 # the task module: rnnlp.tasks.<name> (see rnnlp/tasks/protocol.py)
    config: str                 # "module:Class" of the task's config dataclass
    summary: str                # one line for `rnnlp train --help`
    train_options: tuple = ()   # data options of `rnnlp train <task>` (beside the shared ones)
    eval_options: tuple = ()    # options of `rnnlp evaluate` for this task's checkpoints
    commands: tuple = ()        # "module:command" of the task's own CLI commands (click)
    export: str = ""            # the graph `rnnlp export` writes: a shape of rnnlp.export.SHAPES ("" = none)
    verbs: dict = field(default_factory=dict)    # verb -> its option rows (rnnlp.tasks.spec)
    methods: dict = field(default_factory=dict)  # verb -> the loaded model's method, when not named alike
    item: str = "any"           # what its verbs read, one of ITEMS: the CLI's and the server's readers
    transfer: str = ""          # LM weights it starts from: "encoder" (encoder.init_from), "continue" (model.init_from)
    word_level: bool = False    # its embedding reads words whatever text.level says (LM transfer checks it)


# The kinds of item a verb reads (TaskEntry.item). The server reads each kind one way
# (rnnlp.serve.verbs), the CLI too (rnnlp.cli): a new task with a known kind needs no reader.
ITEMS = ("text", "tokens", "prompt", "image", "audio", "history", "series", "piece", "any")


def _o(flags, key, help, kind="text") -> Option:
    return Option(flags, key, help, kind)


# Options every task's `rnnlp train` has.
SHARED_TRAIN_OPTIONS = (
    _o("--device", "train.device", "auto (CUDA when available), cpu or cuda."),
)

_TABLE_TRAIN = (
    _o("--train", "data.train", "Training file (csv, tsv, json/jsonl, parquet).", "path"),
    _o("--valid", "data.valid", "Validation file, used for early stopping and the best checkpoint.", "path"),
)
_TEST = _o("--test", "data.test", "Test file.", "path")
_FORMAT = _o("--format", "data.format", "Data format when the extension does not tell.")
_EVAL_DATA = _o("--data", "data", "File to evaluate on.", "path")
_INIT_FROM = _o("--init-from", "encoder.init_from", "Start the embeddings and the encoder's forward direction "
                "from a word-level LM run (rnnlp train lm; ULMFiT transfer).", "path")
_EVAL_FORMAT = _o("--format", "format", "Data format when the extension does not tell.")
_EVAL_BATCH = _o("--batch-size", "batch_size", "Examples run through the model together.", "count")
_EVAL_BEAM = _o("--beam-size", "beam_size", "Beam size (1 = greedy; default: the checkpoint's).", "count")

TASKS: dict[str, TaskEntry] = {
    "sentiment": TaskEntry(
        module="rnnlp.tasks.sentiment",
        config="rnnlp.config.sentiment:SentimentConfig",
        summary="Sequence classification (sentiment): text -> label.",
        train_options=(
            *_TABLE_TRAIN, _TEST, _FORMAT,
            _o("--text-column", "data.text_column", "Column holding the text."),
            _o("--label-column", "data.label_column", "Column holding the label (string or integer)."),
            _o("--tokenizer", "text.level", "Tokenizer level: word, char or bpe."),
            _INIT_FROM,
        ),
        eval_options=(
            _EVAL_DATA, _EVAL_FORMAT,
            _o("--text-column", "text_column", "Column holding the text (default: as in training)."),
            _o("--label-column", "label_column", "Column holding the label (default: as in training)."),
            _EVAL_BATCH,
        ),
        commands=(),            # `rnnlp predict` is a core command
        export="classifier",
        verbs={"predict": ()},
        item="text",
        transfer="encoder",
    ),
    "tagging": TaskEntry(
        module="rnnlp.tasks.tagging",
        config="rnnlp.config.tagging:TaggingConfig",
        summary="Token tagging (NER, POS) with a BiLSTM-CRF.",
        train_options=(
            _o("--train", "data.train", "Training file (CoNLL, CoNLL-U, json/jsonl, parquet).", "path"),
            _o("--valid", "data.valid", "Validation file.", "path"),
            _TEST, _FORMAT,
            _o("--token-column", "data.token_column", "Token column (CoNLL: number, 0 = first; tables: name)."),
            _o("--tag-column", "data.tag_column", "Tag column (CoNLL: number, -1 = last; tables: name)."),
            _o("--tag-field", "data.tag_field", "CoNLL-U: upos or xpos."),
            _o("--scheme", "data.scheme", "Tag scheme of the files (IOB1, BIO, BIOES, none)."),
            _INIT_FROM,
        ),
        eval_options=(
            _EVAL_DATA, _EVAL_FORMAT,
            _o("--token-column", "token_column", "Token column (default: as in training)."),
            _o("--tag-column", "tag_column", "Tag column (default: as in training)."),
            _o("--tag-field", "tag_field", "CoNLL-U: upos or xpos (default: as in training)."),
            _o("--scheme", "scheme", "Tag scheme of the file (default: as in training)."),
            _EVAL_BATCH,
        ),
        commands=("rnnlp.cli.tag:tag",),
        export="tagger",
        verbs={"tag": (), "predict": ()},
        methods={"tag": "predict"},
        item="tokens",
        transfer="encoder",
        word_level=True,
    ),
    "lm": TaskEntry(
        module="rnnlp.tasks.lm",
        config="rnnlp.config.lm:LMConfig",
        summary="Language model (word, char or BPE) and text generation.",
        train_options=(
            _o("--train", "data.train", "Training text file.", "path"),
            _o("--valid", "data.valid", "Validation text file (default: the end of --train is held out).", "path"),
            _o("--test", "data.test", "Test text file.", "path"),
            _o("--tokenizer", "text.level", "Tokenizer level: word, char or bpe."),
            _o("--init-from", "model.init_from", "Continue an LM run on this text (its shape and "
               "weights; ULMFiT's target-domain step).", "path"),
        ),
        eval_options=(_EVAL_DATA, _EVAL_BATCH),
        commands=("rnnlp.cli.generate:generate",),
        verbs={"generate": spec.GENERATE},
        item="prompt",
        transfer="continue",
    ),
    "translation": TaskEntry(
        module="rnnlp.tasks.translation",
        config="rnnlp.config.translation:TranslationConfig",
        summary="Sequence-to-sequence translation with attention and beam search.",
        train_options=(
            _o("--source", "data.source", "Training source sentences, one a line (aligned with --target).", "path"),
            _o("--target", "data.target", "Training target sentences, one a line.", "path"),
            _o("--valid-source", "data.valid_source", "Validation source sentences.", "path"),
            _o("--valid-target", "data.valid_target", "Validation target sentences.", "path"),
            *_TABLE_TRAIN, _FORMAT,
            _o("--source-column", "data.source_column", "Table column holding the source text."),
            _o("--target-column", "data.target_column", "Table column holding the target text."),
        ),
        eval_options=(
            _o("--source", "source", "Source sentences, one a line (aligned with --target).", "path"),
            _o("--target", "target", "Reference translations, one a line.", "path"),
            _EVAL_DATA, _EVAL_FORMAT,
            _o("--source-column", "source_column", "Table column holding the source text."),
            _o("--target-column", "target_column", "Table column holding the reference."),
            _EVAL_BEAM, _EVAL_BATCH,
        ),
        commands=("rnnlp.cli.translate:translate",),
        verbs={"translate": spec.TRANSLATE},
        methods={"translate": "translate_n_best"},
        item="text",
    ),
    "captioning": TaskEntry(
        module="rnnlp.tasks.captioning",
        config="rnnlp.config.captioning:CaptioningConfig",
        summary="Image captioning: CNN encoder + attentive LSTM decoder.",
        train_options=(
            _o("--images", "data.images", "Folder or zip of the images.", "path"),
            _o("--captions", "data.captions", "File of all captions (Flickr8k token file or csv/jsonl); "
               "--train/--valid/--test are then image lists.", "path"),
            *_TABLE_TRAIN, _TEST, _FORMAT,
        ),
        eval_options=(
            _o("--split", "split", "Split of the checkpoint's data to evaluate (train, valid, test)."),
            _EVAL_DATA,
            _o("--images", "images", "Folder or zip of the images (default: as in training).", "path"),
            _EVAL_BEAM, _EVAL_BATCH,
        ),
        commands=("rnnlp.cli.caption:caption",),
        verbs={"caption": spec.CAPTION},
        item="image",
    ),
    "recommender": TaskEntry(
        module="rnnlp.tasks.recommender",
        config="rnnlp.config.recommender:RecommenderConfig",
        summary="Next-item recommendation: a GRU over users' interactions in time order.",
        train_options=(
            _o("--train", "data.train", "Interaction log (csv, tsv, parquet; MovieLens u.data/ratings.dat; "
               "sequences: 'user item item ...' per line), split leave-one-out per user.", "path"),
            _o("--format", "data.format", "csv, tsv, parquet, movielens or sequences (default: from the name)."),
            _o("--user-column", "data.user_column", "Column holding the user id."),
            _o("--item-column", "data.item_column", "Column holding the item id."),
            _o("--time-column", "data.time_column", "Column holding the time (numbers or dates)."),
        ),
        eval_options=(
            _o("--data", "data", "Interaction log to evaluate on, leave-one-out (default: the training log).", "path"),
            _EVAL_FORMAT,
            _o("--user-column", "user_column", "Column holding the user id (default: as in training)."),
            _o("--item-column", "item_column", "Column holding the item id (default: as in training)."),
            _o("--time-column", "time_column", "Column holding the time (default: as in training)."),
        ),
        commands=("rnnlp.cli.recommend:recommend",),
        verbs={"recommend": spec.RECOMMEND},
        item="history",
    ),
    "series": TaskEntry(
        module="rnnlp.tasks.series",
        config="rnnlp.config.series:SeriesConfig",
        summary="Classification of numeric series (ECG, sensors): x(1..t) -> label.",
        train_options=(
            _o("--train", "data.train", "Training series (UCR .tsv/.csv rows, label first; long table; .npz).", "path"),
            _o("--valid", "data.valid", "Validation series (default: data.valid_fraction of --train).", "path"),
            _TEST,
            _o("--format", "data.format", "Series format: ucr, values, long, ts, npy, npz (default: from the extension)."),
            _o("--normalize", "data.normalize", "none, series (z per series) or train (training statistics)."),
        ),
        eval_options=(_EVAL_DATA, _o("--format", "format", "Data format when the extension does not tell."),
                      _EVAL_BATCH),
        commands=(),            # `rnnlp predict` is a core command
        verbs={"predict": ()},
        item="series",
    ),
    "speech": TaskEntry(
        module="rnnlp.tasks.speech",
        config="rnnlp.config.speech:SpeechConfig",
        summary="Speech recognition with CTC: wav files -> characters, digits or words.",
        train_options=(
            _o("--train", "data.train", "Training manifest (csv/tsv/jsonl: path, transcript), or a folder/zip "
               "of wav files named by --pattern.", "path"),
            _o("--valid", "data.valid", "Validation manifest or folder/zip (default: --train with "
               "data.valid_filter).", "path"),
            _o("--audio", "data.audio", "Folder or zip holding the manifest's wav files.", "path"),
            _o("--pattern", "data.pattern", "File-name pattern giving the transcript, e.g. "
               "'{label}_{speaker}_{index}.wav'."),
            _o("--units", "data.units", "What CTC emits: char or word (space-separated, e.g. digits)."),
        ),
        eval_options=(
            _o("--data", "data", "Manifest, or folder/zip of wav files named by the training pattern.", "path"),
            _o("--filter", "filter", "Keep files whose name fields match, e.g. 'index=0-4;speaker!=theo'."),
            _o("--audio", "audio", "Folder or zip holding the manifest's wav files.", "path"),
            _EVAL_BEAM,
        ),
        commands=("rnnlp.cli.transcribe:transcribe",),
        verbs={"transcribe": spec.TRANSCRIBE},
        item="audio",
    ),
    "music": TaskEntry(
        module="rnnlp.tasks.music",
        config="rnnlp.config.music:MusicConfig",
        summary="Polyphonic music: 88-key piano rolls, MIDI/WAV generation.",
        train_options=(
            _o("--train", "data.train", "Piano rolls: .mat (traindata/validdata/testdata), .npz, a MIDI file, "
               "a folder of MIDI files (train/ valid/ test/ subfolders) or a .txt list of them.", "path"),
            _o("--valid", "data.valid", "Validation rolls (default: the valid split of --train).", "path"),
            _o("--test", "data.test", "Test rolls (default: the test split of --train).", "path"),
            _o("--format", "data.format", "mat, npz or midi (default: from the extension; a folder: midi)."),
            _o("--steps-per-beat", "data.steps_per_beat", "Frames per quarter note (MIDI rendering; "
               "the tempo of written MIDI/WAV).", "count"),
        ),
        eval_options=(
            _o("--data", "data", "Piano rolls to evaluate on (.mat, .npz, MIDI; default: the run's test data).", "path"),
            _o("--split", "split", "Split of the checkpoint's data to evaluate (train, valid, test)."),
            _EVAL_FORMAT, _EVAL_BATCH,
        ),
        commands=(),            # `rnnlp generate` (the lm task's command) serves music checkpoints too
        verbs={"generate": spec.MUSIC},
        item="piece",
    ),
}


def entry(name: str) -> TaskEntry:
    """The table entry of task ``name``; an unknown name raises a ConfigError listing the tasks."""
    if name not in TASKS:
        from rnnlp.errors import choice_error

        raise choice_error("task", name, TASKS)
    return TASKS[name]


def verb_options(task: str, verb: str, surface: str | None = None) -> tuple:
    """The option rows of ``task``'s ``verb`` (those present on ``surface``: cli, http, api)."""
    rows = entry(task).verbs[verb]
    return tuple(p for p in rows if surface is None or surface in p.where)


def tasks_with(verb: str, items: tuple = ITEMS) -> list[str]:
    """The tasks whose entries have ``verb`` and read one of ``items``."""
    return [name for name, e in TASKS.items() if verb in e.verbs and e.item in items]


def verb_method(task: str, verb: str) -> str:
    """The loaded model's method that runs ``verb``."""
    return entry(task).methods.get(verb, verb)


def markdown() -> str:
    """README's table of every verb option (``python -m rnnlp.tasks.table`` prints it)."""
    rows = ["| task | verb | option | type | default | range | CLI | HTTP | Python | old spelling |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for task, found in TASKS.items():
        for verb, params in found.verbs.items():
            for p in params:
                has = ["yes" if s in p.where else "" for s in spec.ALL]
                rows.append(f"| {task} | {verb} | `{p.name}` | {p.kind.__name__}{' (repeatable)' if p.many else ''} "
                            f"| {'' if p.default is None else p.default} | {p.span()} | {' | '.join(has)} "
                            f"| {', '.join(f'`{a}`' for a in p.aliases)} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown())
