"""DANE MGN boundaries: readers (GeoJSON, Shapefile .shp/.zip, GeoPackage; MGN 2018 and
2020+ schemas; any CRS → EPSG:4326), validation against the DIVIPOLA catalogue,
topology-preserving simplification (``topojson``) and the atomic import into the store.

Entry points: ``geodata.importer.import_boundaries`` (``tablero geodata import``) and
``cli.bench.map.run`` (``tablero bench``).
"""
