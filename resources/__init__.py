"""What Nextword ships besides code: the default model bundle (`model/`) and the words never
suggested (`blocklist.txt`). Installed as package data; read through `engine.core.paths`."""
