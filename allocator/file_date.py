"""The date written into files that would otherwise carry today's, so the same inputs give the same bytes.

Every writer of such a file takes it from here: the workbook's document date, the GeoPackage's
``last_change`` stamps (``allocator.reports``) and the synthetic geography's boundary files
(``allocator.geography.synthetic``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

FIXED_DATE = "2025-01-01"
"""The date (ISO) written into file metadata instead of today's."""


@contextmanager
def gdal_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the duration of a block, then restore the previous values.

    Example: ``with gdal_config(**fixed_gdal_date()): ...``
    """
    import pyogrio  # GDAL loads only for the files that need it

    old = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(old)


def fixed_gdal_date() -> dict[str, str]:
    """The GDAL options that make a written file carry ``FIXED_DATE`` instead of today's date."""
    return {"OGR_CURRENT_DATE": f"{FIXED_DATE}T00:00:00.000Z"}
