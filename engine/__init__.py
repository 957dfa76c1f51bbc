"""Nextword's engine: `core` (shared definitions), `runtime` (prediction, torch-free), `evaluation`
(the protocol's metrics) and `training` (torch). See docs/architecture.md."""

import os

# Nothing leaves the machine: onnxruntime's telemetry (a device id under ~/.cache/Microsoft and
# events naming the interpreter and model files) is off before onnxruntime is first imported, which
# is when it reads this variable. Only engine and export modules import onnxruntime, and this file
# runs before any of them (export/__init__.py imports engine first).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
