"""The text a window holds, as a file: opening, saving, big files, autosave and recovery after a crash."""
