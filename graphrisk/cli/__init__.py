"""The ``graphrisk`` command line: thin commands over the library (see :mod:`graphrisk.cli.main`)."""

__all__: list[str] = []
