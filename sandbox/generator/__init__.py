"""The generator half of the sandbox: a deterministic synthetic tenant written to files.

``sandbox.generator.generate.generate`` writes ``DIR/<source>/<resource>/part-NNNNN.ndjson``
and ``DIR/manifest.json``; nothing here opens a socket or reads a clock.
"""
