"""Reports of a settlement: Excel workbook, GeoPackage, terminal area pages, HTML explorer and maps.

Each report lives in its own module (``excel``, ``gpkg``, ``inspect``, ``html``); the plain English, the
shared figures and one area's page that they all show come from ``words``, ``context`` and
``area_view``. Nothing is imported here, so loading one report never pulls in another's dependencies.
"""
