"""Code that makes torch unimportable in a fresh interpreter, as on a desktop install without the train extra.

A finder that refuses torch, rather than `sys.modules['torch'] = None`: other libraries look torch up in
sys.modules to ask whether an array is torch's (scipy does, where nltk imports it), and a None there
breaks them where a missing torch does not."""

BLOCK_TORCH = (
    "import sys\n"
    "class _NoTorch:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'torch' or name.startswith('torch.'):\n"
    "            raise ModuleNotFoundError(f\"No module named {name!r}\", name=name)\n"
    "sys.meta_path.insert(0, _NoTorch())\n"
)
