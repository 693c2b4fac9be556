"""Places in and out as open data: GeoJSON, CSV and GeoNames in; GeoJSON and CSV out.

An import streams a source's records (`csv.read_csv`, `geojson.read_geojson`,
`geonames.geonames_records`) into `plan.Plan`, which checks each one with the model fields'
own validation, then checks them against each other and the database and decides which
places are created and which updated; `write.write_plan` then writes them in one transaction
(`write.writing()`; on SQLite the only part that holds the database's write lock).
`export.export_places` with `csv.write_csv` / `geojson.write_geojson` write the same formats
back: export → import → export gives the same bytes.
"""
