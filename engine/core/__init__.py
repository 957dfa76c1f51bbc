"""What every part of Nextword agrees on, torch-free and Qt-free: the tokenizer (the one definition of
a word), the vocabulary, the text readers, the bundle contract (every bundle file name) and where
Nextword's files live."""
