"""Demo knowledge management and documents.

Knowledge records: about one per fifty enrolments (at least 40, at most 1 500), each about an
enrolment drawn at random — so municipalities, routes and operators with more activity hold more
records — written by its operator (half), the comité (a third) or the PMO. Kinds: buenas prácticas
45 %, historias de vida 35 %, lecciones aprendidas 20 %; a life story names its household or OPR, a
good practice its OPR two times in five; consent is recorded for 85 %. Titles and texts are composed
from Spanish templates (with their accents: «comercialización», «asociatividad»), tagged with two or
three words of the programme.

Documents: a few small one-page PDFs (the acta of a good practice, the contract of an alliance),
their ``document`` rows and links. Generating them also puts their bytes in the document store
(``TABLERO_DOCUMENTS``): content-addressed, so the same seed writes the same files, once.

Drawn from its own generator seeded by ``(seed, 19020)``: adding it changes no other table.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from data_access.demo.arrays import NULL_INT, Frame
from data_access.demo.parameters import TODAY
from data_access.documents import store as D
from rules.core.catalog import SERVICE_TYPES

KIND_P = {"buena_practica": 0.45, "historia_de_vida": 0.35, "leccion_aprendida": 0.2}
CONSENT = 0.85
SERVICES = tuple(SERVICE_TYPES)
TOPICS = {  # service → (what was done, the result)
    "capacidades": ("la escuela de campo sobre costos de producción", "llevan cuentas de cada cosecha"),
    "asistencia_tecnica": ("las visitas de asistencia técnica en la finca", "subió el rendimiento por hectárea"),
    "asociatividad": ("el fortalecimiento de la asociatividad", "la asamblea se reúne cada mes con actas"),
    "comercialización": ("la comercialización asociativa en la plaza y con compradores", "venden a mejor precio"),
    "financieros": ("el acompañamiento para el crédito agropecuario", "obtuvieron su primer crédito formal"),
}
TITLES = {
    "buena_practica": ("Comercialización asociativa de {chain} en {place}", "Asociatividad que funciona en {place}",
                       "Costos de producción al día en {place}", "Riego por goteo compartido en {place}"),
    "historia_de_vida": ("Historia de una familia productora de {chain} en {place}",
                         "De la huerta al mercado campesino de {place}", "Volver a sembrar en {place}"),
    "leccion_aprendida": ("Aprendizaje: la logística de la comercialización en {place}",
                          "Aprendizaje: formalizar la organización en {place}",
                          "Aprendizaje: el crédito llega tarde en {place}"),
}
OPENINGS = {
    "buena_practica": "En {place}, {who} pusieron en marcha {what}.",
    "historia_de_vida": "Esta es la historia de {who} de {place}, que cultiva {chain}.",
    "leccion_aprendida": "En {place} el equipo aprendió con {what} que no basta con producir.",
}
CLOSINGS = ("Hoy {result} y comparten la experiencia con otras veredas.",
            "Con el acompañamiento del programa {result}; falta mejorar las vías terciarias.",
            "El resultado: {result}, aunque la comercialización sigue dependiendo del clima.")
CHAINS = ("café", "cacao", "plátano", "aguacate", "panela", "leche", "frijol", "yuca", "ñame", "piña")
TAGS = ("mujeres rurales", "jóvenes", "víctimas", "café", "cacao", "mercados campesinos", "compras públicas",
        "agua", "crédito", "asociatividad", "comercialización", "relevo generacional")
AUTHORS = ((0.5, "operador"), (0.83, "comite"), (1.0, "analista"))  # not a role: demo usernames by cumulative share


def generate(g) -> None:
    rng = np.random.default_rng([g.seed, 19020])
    g.tables["knowledge_record"] = _records(g, rng)
    documents, links = _documents(g, rng)
    g.tables["document"], g.tables["document_link"] = documents, links


def _or_none(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[~keep | (values == NULL_INT)] = None
    return out


def _records(g, rng: np.random.Generator) -> Frame:
    e = g.tables["enrolment"]
    n = int(np.clip(len(e) // 50, 40, 1500))
    pick = rng.integers(0, len(e), n)
    kinds = rng.choice(list(KIND_P), size=n, p=list(KIND_P.values()))
    names = dict(zip(g.ref.muni_codes, g.ref.muni_names))
    story = kinds == "historia_de_vida"
    names_opr = story | ((kinds == "buena_practica") & (rng.random(n) < 0.4))
    household = _or_none(e["household_id"][pick], story)
    opr = _or_none(e["opr_id"][pick], names_opr & ~(story & (e["household_id"][pick] != NULL_INT)))
    author = np.searchsorted([a for a, _ in AUTHORS], rng.random(n))
    by_operator = author == 0
    created = np.minimum(e["entry_date"][pick] + rng.integers(60, 540, n), TODAY - rng.integers(0, 30, n))
    titles, texts, tags, services = [], [], [], []
    for i in range(n):
        kind, muni = str(kinds[i]), str(e["municipality_code"][pick[i]])
        place, chain = names.get(muni, muni), CHAINS[int(rng.integers(len(CHAINS)))]
        service = SERVICES[int(rng.integers(len(SERVICES)))]
        what, result = TOPICS.get(service, TOPICS["comercialización"])
        if kind != "historia_de_vida" and rng.random() < 0.35:
            what, result = TOPICS["comercialización"]
        who = "las socias de la asociación" if rng.random() < 0.5 else "la familia productora"
        title = TITLES[kind][int(rng.integers(len(TITLES[kind])))].format(chain=chain, place=place)
        body = " ".join((OPENINGS[kind].format(place=place, who=who, what=what, chain=chain),
                         f"Durante la ruta trabajaron {what} y el fortalecimiento de la asociatividad.",
                         CLOSINGS[int(rng.integers(len(CLOSINGS)))].format(result=result)))
        titles.append(title[:200])
        texts.append(body)
        tags.append("; ".join(rng.choice(TAGS, size=int(rng.integers(2, 4)), replace=False).tolist()))
        services.append(service if rng.random() < 0.85 else None)
    return Frame(
        id=np.arange(1, n + 1),
        code=np.array([f"GC-{i:06d}" for i in range(1, n + 1)], dtype=object),
        kind=kinds.astype(object),
        title=np.array(titles, dtype=object),
        text=np.array(texts, dtype=object),
        route=_or_none(e["route"][pick].astype(object), rng.random(n) < 0.9),
        service_type_code=np.array(services, dtype=object),
        municipality_code=e["municipality_code"][pick].astype(object),
        operator_id=_or_none(e["operator_id"][pick], by_operator),
        opr_id=opr,
        household_id=household,
        consent=rng.random(n) < CONSENT,
        tags=np.array(tags, dtype=object),
        created_by=np.array([AUTHORS[a][1] for a in author], dtype=object),
        created_on=created,
        version=np.ones(n, np.int64),
    )


def demo_file(kind: str, title: str) -> tuple[str, bytes]:
    """A small, valid one-page PDF naming what it supports (same title, same bytes)."""
    text = title.encode("latin-1", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return f"{kind}.pdf", out


def _documents(g, rng: np.random.Generator) -> tuple[Frame, Frame]:
    """Actas of a dozen good practices and contracts of a dozen alliance evidences."""
    kr, ev = g.tables["knowledge_record"], g.tables["alliance_evidence"]
    practices = np.flatnonzero(kr["kind"] == "buena_practica")[:12]
    contracts = np.flatnonzero(ev["kind"] == "contrato")[:12]
    at = (dt.datetime(1970, 1, 1) + dt.timedelta(days=int(TODAY) - 20)).isoformat(sep=" ")
    files, links = {}, []
    for entity, rows, kind, label in (("knowledge_record", practices, "acta", kr["title"]),
                                      ("alliance_evidence", contracts, "contrato", ev["ally_name"])):
        for i in rows.tolist():
            name, data = demo_file(f"{kind}-{i + 1}", f"{kind.capitalize()}: {label[i]}")
            sha = D.digest(data)
            files[sha] = data
            links.append((sha, entity, int(i + 1), name))
    shas = list(files)
    for data in files.values():
        D.put_bytes(data)
    m = len(links)
    return (Frame(sha256=np.array(shas, dtype=object), size=np.array([len(files[s]) for s in shas], np.int64),
                  media_type=np.array(["application/pdf"] * len(shas), dtype=object),
                  stored_at=np.array([at] * len(shas), dtype=object)),
            Frame(id=np.arange(1, m + 1), sha256=np.array([x[0] for x in links], dtype=object),
                  entity=np.array([x[1] for x in links], dtype=object),
                  entity_id=np.array([x[2] for x in links], np.int64),
                  file_name=np.array([x[3] for x in links], dtype=object),
                  added_by=np.array(["analista"] * m, dtype=object),
                  added_at=np.array([at] * m, dtype=object)))

