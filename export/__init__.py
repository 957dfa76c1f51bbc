"""Checkpoint -> checked ONNX bundle: the export, int8 quantization, the checks, and the install."""

import engine  # noqa: F401  (first: turns onnxruntime's telemetry off before this package imports it)
