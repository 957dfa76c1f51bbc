"""What the windows stand on: settings, the prediction worker thread and its model, the text the model is
given, the platform check."""
