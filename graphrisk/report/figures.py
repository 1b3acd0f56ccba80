"""Figures as embeddable PNG: bytes and ``data:`` URIs, so the report needs no side files."""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure

__all__ = ["figure_png", "png_data_uri", "PNG_SIGNATURE"]

#: The first eight bytes of every PNG file.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def figure_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (no file is written; the figure is left as it is).

    Parameters
    ----------
    figure
        A matplotlib figure (built without pyplot, so nothing needs closing).
    dpi
        Pixels per inch: a 6 x 4.5 inch figure at 100 dpi is 600 x 450 pixels.

    Returns
    -------
    bytes

    Examples
    --------
    >>> figure_png(Figure(figsize=(1, 1)))[:8] == PNG_SIGNATURE
    True
    """
    if not isinstance(figure, Figure):
        raise TypeError(f"figure must be a matplotlib Figure, got {type(figure).__name__}")
    buffer = io.BytesIO()
    # no Software/date metadata: the same figure gives the same bytes
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def png_data_uri(png: bytes) -> str:
    """A ``data:image/png;base64,...`` URI of PNG bytes, for an ``<img src>``.

    Raises
    ------
    ValueError
        ``png`` does not start with the PNG signature.

    Examples
    --------
    >>> png_data_uri(PNG_SIGNATURE)
    'data:image/png;base64,iVBORw0KGgo='
    """
    if not bytes(png[:8]) == PNG_SIGNATURE:
        raise ValueError("png does not start with the PNG signature; give the bytes of figure_png")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
