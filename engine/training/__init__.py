"""Everything that needs the `train` extra (torch, matplotlib, tqdm): batching, the model, the trainer,
checkpoints, releases, the torch backend and plots. Nothing torch-free imports this package."""
