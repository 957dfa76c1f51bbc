"""The editor's windows and dialogs, and the widgets in them (Qt widgets; no file or model work)."""
