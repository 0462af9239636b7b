"""Reports of a settlement: Excel workbook, GeoPackage, terminal area pages, HTML explorer and maps.

Each report lives in its own module (``excel``, ``gpkg``, ``inspect``, ``html``, ``maps``); import the one
you need. Nothing is imported here, so loading one report never pulls in another's dependencies
(matplotlib for maps, for instance).
"""
