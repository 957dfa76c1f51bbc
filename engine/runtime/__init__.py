"""Prediction without torch: the predictor, its onnxruntime backend, the suggestion rules, phrase
completion, rare words, the trigram and its mixture, and text generation. numpy and onnxruntime only."""
