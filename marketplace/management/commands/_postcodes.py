"""Reading a GeoNames postal-code CSV into one `Postcode` row per postcode.

Shared by `import_postcodes` (the whole German file) and `seed_demo` (the small demo fixture).
The underscore keeps Django from offering this module as a command.

The file has one row per (postcode, place). A postcode may list several villages, and
"Großkunden" codes (one firm or office each) list organisations whose `place` is their name.
We keep one centroid per postcode:
- the mean of the coordinates of the rows that name a public place, so a code serving several
  villages gets the middle of them;
- for codes that only list organisations, the median, because some firms' codes list branches
  all over Germany and the mean would land between them. Nobody lives at such a code, so it only
  needs to be plausible.
The place shown is the most frequent public place name (the first one on a tie).
"""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.models import Postcode

COLUMNS = (
    "country_code", "zipcode", "place", "state", "state_code", "province", "province_code",
    "community", "community_code", "latitude", "longitude",
)
BATCH_SIZE = 2000

# Legal forms and the words that mark a firm or an office rather than a town. It only decides
# which rows count for the centroid and the name; a miss makes no difference for public codes,
# which list no organisations.
ORGANISATION = re.compile(
    r"\b(gmbh|mbh|ag|kg|kgaa|ohg|se|gbr|e\.\s?v|e\.\s?g|eg|a\.g|sas|srl|ltd|inc)\b"
    r"|[&+\d]|bank\b|sparkasse|versicherung|verlag|finanzamt|agentur für|verwaltung|landratsamt"
    r"|amtsgericht|gericht\b|krankenkasse|postfach|gesellschaft|klinik|krankenhaus|universität"
    r"|bundes|landesamt|ministerium|kammer|berufsgenossenschaft",
    re.IGNORECASE,
)


@dataclass
class _Rows:
    public: list[dict] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)


def read_postcodes(path: Path | str) -> list[Postcode]:
    """Parse and aggregate the CSV at `path` into unsaved `Postcode` objects, sorted by code.
    Raises CommandError naming the problem (missing file, wrong header, bad line)."""
    path = Path(path)
    if not path.is_file():
        raise CommandError(_("Datei nicht gefunden: %(path)s") % {"path": path})
    by_code: dict[str, _Rows] = {}
    # utf-8-sig: a file saved by a spreadsheet program may start with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise CommandError(
                _("%(file)s: falscher Kopf, es fehlen die Spalten %(missing)s. Erwartet wird das "
                  "GeoNames-Format: %(columns)s")
                % {"file": path.name, "missing": ", ".join(missing), "columns": ",".join(COLUMNS)}
            )
        for row in reader:
            code = (row["zipcode"] or "").strip()
            if not (len(code) == 5 and code.isdigit()):
                raise CommandError(
                    _("%(file)s, Zeile %(line)s: „%(code)s“ ist keine fünfstellige Postleitzahl.")
                    % {"file": path.name, "line": reader.line_num, "code": code}
                )
            try:
                row["lat"] = float(row["latitude"])
                row["lon"] = float(row["longitude"])
            except (TypeError, ValueError):
                raise CommandError(
                    _("%(file)s, Zeile %(line)s: ungültige Koordinaten „%(lat)s“, „%(lon)s“.")
                    % {"file": path.name, "line": reader.line_num, "lat": row["latitude"],
                       "lon": row["longitude"]}
                ) from None
            if not (-90 <= row["lat"] <= 90 and -180 <= row["lon"] <= 180):
                raise CommandError(
                    _("%(file)s, Zeile %(line)s: Die Koordinaten liegen außerhalb des gültigen Bereichs.")
                    % {"file": path.name, "line": reader.line_num}
                )
            rows = by_code.setdefault(code, _Rows())
            place = (row["place"] or "").strip()
            (rows.organisations if ORGANISATION.search(place) else rows.public).append(row)
    if not by_code:
        raise CommandError(_("%(file)s: Die Datei enthält keine Postleitzahlen.") % {"file": path.name})
    return [_aggregate(code, rows) for code, rows in sorted(by_code.items())]


def _most_common(values: list[str]) -> str:
    # Counter keeps first-seen order among equal counts, so a tie goes to the first row.
    values = [v.strip() for v in values if v and v.strip()]
    return Counter(values).most_common(1)[0][0] if values else ""


def _aggregate(code: str, rows: _Rows) -> Postcode:
    if rows.public:
        chosen = rows.public
        latitude = statistics.fmean(r["lat"] for r in chosen)
        longitude = statistics.fmean(r["lon"] for r in chosen)
    else:
        chosen = rows.organisations
        latitude = statistics.median(r["lat"] for r in chosen)
        longitude = statistics.median(r["lon"] for r in chosen)
    community = _most_common([r["community"] for r in chosen])
    return Postcode(
        code=code,
        place=_most_common([r["place"] for r in chosen])[:120],
        community=community[:120],
        community_code=next(
            (r["community_code"].strip() for r in chosen if r["community"].strip() == community), ""
        )[:10],
        state=_most_common([r["state"] for r in chosen])[:60],
        latitude=round(latitude, 5),
        longitude=round(longitude, 5),
    )


@transaction.atomic
def save_postcodes(postcodes: list[Postcode]) -> None:
    """Insert new postcodes and update known ones in place (never a duplicate, never a delete:
    profiles refer to postcodes, and a code missing from a newer file stays usable)."""
    for start in range(0, len(postcodes), BATCH_SIZE):
        Postcode.objects.bulk_create(
            postcodes[start:start + BATCH_SIZE],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["place", "community", "community_code", "state", "latitude", "longitude"],
        )
