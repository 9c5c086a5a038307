"""Training loop, optimizers, checkpoints and metrics."""
