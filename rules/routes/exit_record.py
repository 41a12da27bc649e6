"""The verifiable exit record (seed 000 §4: «registro de estado verificable para la trazabilidad»):
what a certificate states, how it is sealed and how its verification code is formed.

Pure rules, shared by the writer (``data_access.routes.exits``), the verifier (CLI and page), the
certificate and the demo:

* capacities assessed at exit (seed 000 §5, desarrollo de capacidades) on a 1–5 scale, one value
  per dimension, or ``None`` when the operator did not assess it;
* the canonical JSON of a payload (sorted keys, no whitespace, UTF-8 kept; dates as ISO strings)
  and the seal: a SHA-256 over the SHA-256 of each value by its path, with short per-path digests
  kept beside the record to tell where a changed payload differs;
* the verification code: Crockford base32 (no I, L, O, U: nothing to misread) of the first 40 bits
  of the seal, then the enrolment id — unique because an enrolment exits once, short enough to type;
* a batch anchor: the SHA-256 over the sorted record seals of one bulk sealing;
* ``payload_differences``: which parts of two payloads differ (for «no coincide» messages).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from json.encoder import encode_basestring

PAYLOAD_SCHEMA = 1

CONOCIMIENTOS = "conocimientos"
COMPETENCIAS_BLANDAS = "competencias_blandas"
APLICACION = "aplicacion_proyecto"
CAPACITY_DIMENSIONS: tuple[str, ...] = (CONOCIMIENTOS, COMPETENCIAS_BLANDAS, APLICACION)
SCALE_MIN, SCALE_MAX = 1, 5
# i18n keys of the scale's levels (locales/exits.json): 1 inicial … 5 sobresaliente.
SCALE_LEVELS: dict[int, str] = {n: f"exits.level.{n}" for n in range(SCALE_MIN, SCALE_MAX + 1)}

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_PREFIX = "SV"  # «salida verificable»
_CODE_RE = re.compile(r"SV([0-9A-HJKMNP-TV-Z]{8})([0-9A-HJKMNP-TV-Z]{1,12})")


def normalise_capacities(capacities: dict | None) -> dict[str, int | None]:
    """Every dimension, each an int 1–5 or None (not assessed); ValueError (Spanish) otherwise."""
    given = dict(capacities or {})
    unknown = sorted(set(given) - set(CAPACITY_DIMENSIONS))
    if unknown:
        raise ValueError(
            f"Capacidades: «{', '.join(unknown)}» no es una dimensión evaluada; use "
            f"{', '.join(CAPACITY_DIMENSIONS)}."
        )
    out: dict[str, int | None] = {}
    for dim in CAPACITY_DIMENSIONS:
        value = given.get(dim)
        if value is None or value == "":
            out[dim] = None
            continue
        number = _scale_value(value)
        if number is None:
            raise ValueError(
                f"Capacidades, {dim}: «{value}» no está en la escala {SCALE_MIN}–{SCALE_MAX}; "
                f"escriba un número entero de {SCALE_MIN} a {SCALE_MAX} o déjelo vacío si no se evaluó."
            )
        out[dim] = number
    return out


def _scale_value(value) -> int | None:
    """An int on the scale from an int, an integral float or digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and SCALE_MIN <= value <= SCALE_MAX else None


def canonical_json(payload: dict) -> str:
    """The one serialisation that is hashed: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(value) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def _scalar_json(value) -> str | None:
    """The canonical JSON of a scalar without the encoder (most values of a payload are)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is str:
        return encode_basestring(value)
    return None


def leaves(payload: dict, prefix: str = "") -> dict[str, object]:
    """The payload's values by dotted path (nested objects opened, lists kept whole)."""
    out: dict[str, object] = {}
    for key in sorted(payload):
        value = payload[key]
        if isinstance(value, dict) and value:
            out.update(leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _leaf_hashes(payload: dict) -> dict[str, str]:
    out = {}
    for path, value in leaves(payload).items():
        text = _scalar_json(value) or canonical_json(value)
        out[path] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return out


DIGEST_CHARS = 12


def sealed(payload: dict) -> tuple[str, dict[str, str]]:
    """(seal, digests): the seal is a SHA-256 over the SHA-256 of each value by its path (``leaves``), so
    any change of the payload changes it; the digests (path → first ``DIGEST_CHARS`` hex of its value's
    SHA-256) are kept beside the record, so after a change the paths whose digest no longer matches are
    what was changed."""
    hashes = _leaf_hashes(payload)
    return _sha(hashes), {path: h[:DIGEST_CHARS] for path, h in hashes.items()}


def seal(payload: dict) -> str:
    """The seal of a payload (``sealed``)."""
    return sealed(payload)[0]


def digests(payload: dict) -> dict[str, str]:
    """The per-path digests of a payload (``sealed``)."""
    return sealed(payload)[1]


def changed_paths(payload: dict, kept: dict | None) -> list[str]:
    """Paths of ``payload`` whose value no longer matches the kept digests (added or removed too)."""
    if not isinstance(kept, dict):
        return []
    now = digests(payload)
    return sorted(p for p in set(now) | set(kept) if now.get(p) != kept.get(p))


def _base32(number: int) -> str:
    if number == 0:
        return CROCKFORD[0]
    digits = []
    while number:
        number, rest = divmod(number, 32)
        digits.append(CROCKFORD[rest])
    return "".join(reversed(digits))


def verification_code(sha256: str, enrolment_id: int) -> str:
    """``SV`` + 8 base32 characters of the seal + the enrolment id in base32, e.g. ``SV4K7M-2QXA-1F3``
    once grouped for print (``display_code``); stored ungrouped."""
    return f"{CODE_PREFIX}{_base32(int(sha256[:10], 16)).rjust(8, '0')}{_base32(enrolment_id)}"


def display_code(code: str) -> str:
    """The code as printed: groups of four after the prefix, easier to read aloud."""
    body = code[len(CODE_PREFIX):]
    return "-".join([CODE_PREFIX, *(body[i:i + 4] for i in range(0, len(body), 4))])


def parse_code(text: str) -> str:
    """What a person typed → the stored code (case, spaces and hyphens ignored, O read as 0 and
    I/L as 1); ValueError with a Spanish message when it cannot be a code."""
    cleaned = re.sub(r"[\s\-–_.]", "", text or "").upper()
    if cleaned.startswith(CODE_PREFIX):
        cleaned = CODE_PREFIX + cleaned[len(CODE_PREFIX):].translate(_READ_AS)
    if not _CODE_RE.fullmatch(cleaned):
        raise ValueError(
            f"«{(text or '').strip()}» no es un código de verificación: empieza por SV y sigue con letras y "
            "números tal como aparece en el certificado (por ejemplo SV-4K7M-2QXA-1F3)."
        )
    return cleaned


def code_matches_seal(code: str, sha256: str) -> bool:
    """Whether the code's seal part is the one of ``sha256`` (the code is printed on paper)."""
    return code[len(CODE_PREFIX):len(CODE_PREFIX) + 8] == _base32(int(sha256[:10], 16)).rjust(8, "0")


def batch_anchor(seals: Iterable[str]) -> str:
    """SHA-256 over the sorted seals of one bulk sealing, newline-separated."""
    return hashlib.sha256("\n".join(sorted(seals)).encode("ascii")).hexdigest()


def payload_differences(sealed: dict | None, stored: dict, prefix: str = "") -> list[str]:
    """Dotted paths where ``stored`` differs from ``sealed`` (sorted; lists compared whole)."""
    if not isinstance(sealed, dict) or not isinstance(stored, dict):
        return [prefix.rstrip(".") or "registro"] if sealed != stored else []
    out: list[str] = []
    for key in sorted(set(sealed) | set(stored)):
        a, b = sealed.get(key), stored.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out.extend(payload_differences(a, b, f"{prefix}{key}."))
        elif a != b or (key in sealed) != (key in stored):
            out.append(f"{prefix}{key}")
    return out
