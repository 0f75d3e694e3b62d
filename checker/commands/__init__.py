"""The commands beyond scan: watch a folder, audit many clients, export an upload-ready copy."""
