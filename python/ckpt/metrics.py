"""Which way a metric improves: the one table the Keras glue (and any
trainer) uses to turn a metric name into "-" or "+"."""

from typing import Optional

# The original's known_metrics, then the usual names of both kinds.
KNOWN_METRICS = {
    "loss": "-", "val_loss": "-", "accuracy": "+", "val_accuracy": "+", "lr": "-",
    "acc": "+", "val_acc": "+", "mse": "-", "mae": "-", "rmse": "-", "mape": "-",
    "auc": "+", "r2": "+", "precision": "+", "recall": "+", "f1": "+",
}
# Suffixes of names not in the table ("val_mean_squared_error", "top_5_accuracy").
LOSS_LIKE = ("loss", "error", "mse", "mae", "rmse", "mape", "perplexity")
ACCURACY_LIKE = ("accuracy", "acc", "auc", "r2", "precision", "recall", "f1", "score")


def direction_of(name: str, override: Optional[str] = None) -> str:
    """"-" when smaller is better (losses, errors), "+" when larger is
    (accuracies). override (a ckpt_save_best_direction parameter) wins.
    Raises ValueError for a name of neither kind."""
    if override not in (None, ""):
        if override not in ("-", "+"):
            raise ValueError("ckpt_save_best_direction=%r: must be '-' or '+'" % (override,))
        return override
    if name in KNOWN_METRICS:
        return KNOWN_METRICS[name]
    base = name[4:] if name.startswith("val_") else name
    if base in KNOWN_METRICS:
        return KNOWN_METRICS[base]
    if base.endswith(LOSS_LIKE):
        return "-"
    if base.endswith(ACCURACY_LIKE):
        return "+"
    raise ValueError("metric %r: not loss-like or accuracy-like; set the parameter "
                     "ckpt_save_best_direction to '-' (smaller is better) or '+'" % name)
