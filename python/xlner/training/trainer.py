"""Fine-tune a transformers encoder for IOB2 token classification on (projected) training data.

Three modes, one code path (the ``transformers`` :class:`~transformers.Trainer`):

* ``full`` — every weight is trained;
* ``lora`` — ``peft`` LoRA (Hu et al. 2022) on the attention projections (peft's default targets for the
  architecture, or ``target_modules``), the classification head trained in full (``modules_to_save``);
* ``adapter`` — ``peft`` (IA)³ (Liu et al. 2022): learned rescaling vectors on keys, values and the
  feed-forward output, the head trained in full. ``peft`` has no bottleneck (Houlsby/Pfeiffer) adapter and
  the ``adapters`` library pins ``transformers~=4.57`` (it cannot be installed beside transformers 5), so
  (IA)³ is the adapter-style method used: like a bottleneck adapter it inserts a few learned parameters per
  layer while the pretrained weights stay frozen, and unlike one it can be merged into the weights.

Evaluation: after every epoch the model tags the dev sentences word by word
(:class:`~xlner.models.token_tagger.TokenTagger`, whole sentences through windows) and the project's
evaluator (:func:`xlner.evaluate.evaluate`) gives entity micro F1; the best epoch's checkpoint is
restored at the end (``load_best_model_at_end``) and early stopping watches the same F1.

Output directory: with ``merge=True`` (default) the LoRA / (IA)³ weights are merged into the base, so
the directory is a plain transformers model (``config.json``, weights, tokenizer) that
``TokenTagger(out)`` and ``xlner tag --model out`` load like any other. With ``merge=False`` it holds the
peft adapter (``adapter_config.json``, ``adapter_model.safetensors``), the tokenizer and
``xlner_training.json``; :class:`~xlner.models.token_tagger.TokenTagger` recognises it, loads the base
model named in ``adapter_config.json`` and puts the adapter on it. ``xlner_training.json`` (both cases)
records the options, the label set, the trainable parameter counts and the dev F1 of every epoch.

Mixed precision: bf16 on GPUs that support it, else fp16; fp32 on CPU. With a seed, a run on CPU is
deterministic (same seed → same weights): ``transformers.enable_full_determinism``.
"""
from __future__ import annotations

import json
import logging
import math
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from transformers import Trainer, TrainerCallback

from xlner.io.conll import Sentence
from xlner.models.token_tagger import TRAINING_META, model_max_length
from xlner.training.data import LABEL_SCHEMES, encode_sentences, label_list

log = logging.getLogger(__name__)

MODES = ("full", "lora", "adapter")


@dataclass
class TrainConfig:
    """Options of :func:`train_token_classifier` (see the module docstring for ``mode``).

    ``max_length``: subwords per training window, special tokens included (longer sentences are cut into
    windows of whole words); ``early_stopping``: stop after this many epochs without a better dev F1
    (0: off; needs dev data); ``grad_accum``: gradient accumulation steps; ``lora_r``/``lora_alpha``/
    ``lora_dropout``: LoRA rank, scaling and dropout; ``target_modules``: the modules LoRA / (IA)³ wrap
    (default: peft's choice for the architecture); ``merge``: merge the adapter into the base weights when
    saving; ``precision``: ``auto`` (bf16/fp16 on GPU, fp32 on CPU), ``fp32``, ``bf16`` or ``fp16``.
    """

    mode: str = "full"
    epochs: float = 3.0
    lr: Optional[float] = None
    batch_size: int = 16
    max_length: int = 256
    seed: int = 0
    label_scheme: str = "first-subword"
    early_stopping: int = 0
    grad_accum: int = 1
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    target_modules: Optional[List[str]] = None
    merge: bool = True
    precision: str = "auto"
    device: Optional[str] = None
    eval_batch_size: int = 64
    keep_checkpoints: bool = False

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.label_scheme not in LABEL_SCHEMES:
            raise ValueError(f"label_scheme must be one of {LABEL_SCHEMES}, got {self.label_scheme!r}")
        if self.epochs <= 0 or self.batch_size < 1 or self.grad_accum < 1 or self.max_length < 3:
            raise ValueError("epochs must be > 0, batch_size and grad_accum >= 1, max_length >= 3")
        if self.early_stopping < 0:
            raise ValueError(f"early_stopping must be >= 0, got {self.early_stopping}")
        if self.precision not in ("auto", "fp32", "bf16", "fp16"):
            raise ValueError(f"precision must be auto, fp32, bf16 or fp16, got {self.precision!r}")

    @property
    def learning_rate(self) -> float:
        """``lr``, or the default of the mode (5e-5 full, 5e-4 LoRA, 3e-3 (IA)³)."""
        if self.lr is not None:
            return self.lr
        return {"full": 5e-5, "lora": 5e-4, "adapter": 3e-3}[self.mode]


@dataclass
class TrainResult:
    """What :func:`train_token_classifier` did: output directory, label set, parameter counts, the dev
    F1 per epoch (empty without dev data), the best epoch and its F1, and the trainer's log history."""

    out_dir: str
    labels: List[str]
    trainable_params: int
    total_params: int
    dev_f1: List[float] = field(default_factory=list)
    best_epoch: Optional[int] = None
    best_f1: Optional[float] = None
    train_windows: int = 0
    log_history: List[Dict[str, Any]] = field(default_factory=list)


@dataclass
class TrainerHooks:
    """What a caller of :func:`train_token_classifier` may replace (used by :mod:`xlner.distill`):
    ``labels``: the label set (default: that of the training and dev data); ``features(tokenizer, label2id,
    max_length)``: the training features (default: :func:`~xlner.training.data.encode_sentences` of the
    training sentences); ``collator(tokenizer)``: the data collator (default
    ``DataCollatorForTokenClassification``); ``trainer_class``: a subclass of the F1-evaluating Trainer
    (e.g. with another ``compute_loss``)."""

    labels: Optional[List[str]] = None
    features: Optional[Callable[[Any, Dict[str, int], int], List[Dict[str, Any]]]] = None
    collator: Optional[Callable[[Any], Any]] = None
    trainer_class: Optional[type] = None


def count_parameters(model: Any) -> tuple[int, int]:
    """(trainable, total) parameter counts of a torch module."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return int(trainable), int(total)


#: Architectures peft has no (IA)³ defaults for, and the architecture whose module names they share.
_IA3_ALIASES = {"xlm-roberta": "roberta", "camembert": "roberta"}


def peft_config(mode: str, cfg: TrainConfig, model_type: str = "") -> Any:
    """The ``peft`` config of ``mode`` (``lora`` → ``LoraConfig``, ``adapter`` → ``IA3Config``), both for
    token classification (peft then trains the classification head in full). ``model_type`` (the config's)
    picks (IA)³ targets for XLM-R / CamemBERT, which peft lists only under RoBERTa."""
    from peft import IA3Config, LoraConfig, TaskType

    if mode == "lora":
        return LoraConfig(task_type=TaskType.TOKEN_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                          lora_dropout=cfg.lora_dropout, target_modules=cfg.target_modules)
    if mode == "adapter":
        kw: Dict[str, Any] = {}
        if cfg.target_modules:
            kw = {"target_modules": cfg.target_modules, "feedforward_modules": []}
        elif model_type in _IA3_ALIASES:
            from peft.utils.constants import (TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING as ff,
                                              TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING as targets)

            kw = {"target_modules": targets[_IA3_ALIASES[model_type]],
                  "feedforward_modules": ff[_IA3_ALIASES[model_type]]}
        return IA3Config(task_type=TaskType.TOKEN_CLS, **kw)
    raise ValueError(f"no peft config for mode {mode!r}")


def _precision(cfg: TrainConfig, use_cpu: bool) -> Dict[str, bool]:
    import torch

    p = cfg.precision
    if p == "auto":
        if use_cpu or not torch.cuda.is_available():
            return {"bf16": False, "fp16": False}
        p = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
    if p == "fp16" and use_cpu:
        raise ValueError("fp16 training needs a GPU")
    return {"bf16": p == "bf16", "fp16": p == "fp16"}


def _fresh_head_unless_same_labels(net: Any, model: str, labels: Sequence[str]) -> None:
    """Re-initialise the classification head of ``net`` unless the base model was already a token
    classifier for exactly ``labels`` (in that order): a head of the same size for other labels (loaded
    because the shapes match) would start training from wrong, possibly large, weights."""
    from transformers import AutoConfig

    base_cfg = AutoConfig.from_pretrained(model)
    base_labels = [str(v) for _, v in sorted((int(k), v) for k, v in (base_cfg.id2label or {}).items())]
    if base_labels == list(labels):
        return
    import torch

    head = getattr(net, "classifier", None) or getattr(net, "score", None)
    if not isinstance(head, torch.nn.Linear):
        raise ValueError(f"{model}: cannot find the token-classification head (a linear 'classifier' or 'score')")
    std = float(getattr(net.config, "initializer_range", 0.02) or 0.02)
    with torch.no_grad():  # as transformers initialises a new head (its own init skips loaded weights)
        head.weight.normal_(0.0, std)
        if head.bias is not None:
            head.bias.zero_()


def _base_path(model: str) -> str:
    """A local directory as an absolute path (so a no-merge output finds its base), else the hub id."""
    return str(Path(model).resolve()) if Path(model).is_dir() else model


_DETERMINISM_ENV = ("CUDA_LAUNCH_BLOCKING", "CUBLAS_WORKSPACE_CONFIG", "ASCEND_LAUNCH_BLOCKING", "HCCL_DETERMINISTIC",
                    "FLASH_ATTENTION_DETERMINISTIC")


def train_token_classifier(train: Sequence[Sentence], model: str, out_dir: Union[str, "os.PathLike[str]"],
                           config: Optional[TrainConfig] = None, *, dev: Optional[Sequence[Sentence]] = None,
                           progress: bool = False, hooks: Optional[TrainerHooks] = None) -> TrainResult:
    """Fine-tune ``model`` (hub id or local directory of an encoder) on ``train`` and save to ``out_dir``.

    The label set is that of ``train`` and ``dev`` together (:func:`xlner.training.data.label_list`); the
    base model gets a head for it: the base's own head when it was trained for exactly these labels, else a
    freshly initialised one. Returns a :class:`TrainResult`. The process-wide switches that deterministic
    CPU training turns on (torch's deterministic algorithms, cuDNN flags, environment variables) are
    restored afterwards. ``hooks``: see :class:`TrainerHooks`.
    """
    import torch

    env = {k: os.environ.get(k) for k in _DETERMINISM_ENV}
    flags = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    try:
        return _train(train, model, Path(out_dir), config or TrainConfig(), dev, progress, hooks or TrainerHooks())
    finally:
        torch.use_deterministic_algorithms(flags[0], warn_only=flags[1])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = flags[2], flags[3]
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _train(train: Sequence[Sentence], model: str, out: Path, cfg: TrainConfig, dev: Optional[Sequence[Sentence]],
           progress: bool, hooks: TrainerHooks) -> TrainResult:
    import torch
    from transformers import (AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification,
                              EarlyStoppingCallback, TrainingArguments, enable_full_determinism, set_seed)

    model = _base_path(model)  # a local base directory as an absolute path: --no-merge outputs name it
    if not train:
        raise ValueError("no training sentences")
    if cfg.early_stopping and not dev:
        raise ValueError("early stopping needs dev data (--dev)")
    out.mkdir(parents=True, exist_ok=True)
    use_cpu = cfg.device == "cpu" or not torch.cuda.is_available()
    if use_cpu:
        enable_full_determinism(cfg.seed)
    else:
        set_seed(cfg.seed)
    labels = list(hooks.labels) if hooks.labels else label_list(train, dev or [])
    label2id = {t: i for i, t in enumerate(labels)}
    tokenizer = AutoTokenizer.from_pretrained(model)
    net = AutoModelForTokenClassification.from_pretrained(
        model, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label2id,
        ignore_mismatched_sizes=True)
    _fresh_head_unless_same_labels(net, model, labels)
    if cfg.mode != "full":
        from peft import get_peft_model

        net = get_peft_model(net, peft_config(cfg.mode, cfg, str(getattr(net.config, "model_type", ""))))
    trainable, total = count_parameters(net)
    log.info("mode %s: %d of %d parameters trainable", cfg.mode, trainable, total)
    max_length = min(cfg.max_length, model_max_length(net, tokenizer))
    if hooks.features is not None:
        features = hooks.features(tokenizer, label2id, max_length)
    else:
        features = [w.as_features() for w in encode_sentences(train, tokenizer, label2id, max_length=max_length,
                                                               scheme=cfg.label_scheme)]
    ckpt = out / "checkpoints"
    precision = _precision(cfg, use_cpu)
    strategy = "epoch" if dev else "no"
    args = TrainingArguments(
        output_dir=str(ckpt), num_train_epochs=cfg.epochs, learning_rate=cfg.learning_rate,
        per_device_train_batch_size=cfg.batch_size, gradient_accumulation_steps=cfg.grad_accum,
        weight_decay=cfg.weight_decay, warmup_steps=math.ceil(
            cfg.warmup_ratio * cfg.epochs * math.ceil(len(features) / (cfg.batch_size * cfg.grad_accum))),
        seed=cfg.seed, data_seed=cfg.seed, full_determinism=use_cpu, use_cpu=use_cpu,
        eval_strategy=strategy, save_strategy=strategy, save_total_limit=1 if dev else None,
        load_best_model_at_end=bool(dev), metric_for_best_model="f1" if dev else None, greater_is_better=True,
        logging_strategy="epoch", report_to="none", disable_tqdm=not progress, dataloader_num_workers=0,
        save_only_model=True, bf16=precision["bf16"], fp16=precision["fp16"])
    dev_f1: List[float] = []
    trainer_class = hooks.trainer_class or _F1Trainer
    collator = hooks.collator(tokenizer) if hooks.collator else DataCollatorForTokenClassification(tokenizer)
    trainer = trainer_class(model=net, args=args, train_dataset=features, eval_dataset=list(dev) if dev else None,
                         data_collator=collator,
                         callbacks=[EarlyStoppingCallback(cfg.early_stopping)] if cfg.early_stopping else None)
    # without progress bars transformers prints each log dict to stdout (PrinterCallback): stdout carries only
    # a command's requested output, so the losses go to the logger instead
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(_LogCallback())
    trainer.setup_f1(dev or [], tokenizer, cfg.eval_batch_size, max_length, dev_f1)
    trainer.train()
    final: Any = trainer.model
    best_epoch = best_f1 = None
    if dev_f1:
        best_f1 = max(dev_f1)
        best_epoch = dev_f1.index(best_f1) + 1
    merged = cfg.mode != "full" and cfg.merge
    if merged:
        final = final.merge_and_unload()
    final.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    meta = {"base_model": model, "mode": cfg.mode, "merged": merged, "labels": labels,
            "trainable_params": trainable, "total_params": total, "dev_f1": dev_f1, "best_epoch": best_epoch,
            "best_f1": best_f1, "train_sentences": len(train), "train_windows": len(features),
            "config": asdict(cfg)}
    (out / TRAINING_META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    if not cfg.keep_checkpoints:
        shutil.rmtree(ckpt, ignore_errors=True)
    return TrainResult(str(out), labels, trainable, total, dev_f1, best_epoch, best_f1, len(features),
                       list(trainer.state.log_history))


class _LogCallback(TrainerCallback):
    """The Trainer's log dicts (loss, learning rate, ...) on the ``xlner.training`` logger (stderr)."""

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if logs:
            log.info("epoch %s: %s", state.epoch, {k: v for k, v in logs.items() if k != "epoch"})


class _F1Trainer(Trainer):
    """A Trainer whose evaluation is entity F1 of word-level predictions on the dev sentences."""

    def setup_f1(self, dev: Sequence[Sentence], tokenizer: Any, batch_size: int, max_length: int,
                 record: List[float]) -> None:
        """Dev sentences and the options of the word-level tagging run at each evaluation."""
        self._dev, self._tok, self._bs = list(dev), tokenizer, batch_size
        self._maxlen, self._record = max_length, record

    def evaluate(self, eval_dataset: Any = None, ignore_keys: Any = None,
                 metric_key_prefix: str = "eval") -> Dict[str, float]:
        """Tag the dev sentences with the current weights, score with :func:`xlner.evaluate.evaluate`."""
        from xlner.evaluate import evaluate
        from xlner.models.token_tagger import TokenTagger

        model: Any = self.model
        was_training = model.training
        p = next(model.parameters())
        tagger = TokenTagger(model, self._tok, device=p.device, dtype=p.dtype, batch_size=self._bs,
                             max_length=self._maxlen)
        pred = tagger.predict([s.tokens for s in self._dev])
        report = evaluate([s.tags for s in self._dev], pred)
        if was_training:
            model.train()
        f1 = float(report.micro.f1)
        self._record.append(f1)
        metrics = {f"{metric_key_prefix}_f1": f1, f"{metric_key_prefix}_precision": float(report.micro.precision),
                   f"{metric_key_prefix}_recall": float(report.micro.recall), "epoch": float(self.state.epoch or 0)}
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics


__all__ = ["MODES", "TrainConfig", "TrainerHooks", "TrainResult", "train_token_classifier", "peft_config",
           "count_parameters"]
