"""Measuring predictors by shared/PROTOCOL.md: the metrics, `nextword eval` and mixture tuning.
Torch-free; torch is loaded only to open a .pt checkpoint."""
