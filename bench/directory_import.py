"""Importing a territory's professionals from a national extraction of 1,000,000 rows.

    python -m bench.directory_import [--rows 1000000] [--communes 40] [--database sqlite|postgresql]

The file is written first in the ANS format (`PS_LibreAcces_Personne_activite`: the 56
columns of the real header, `|`-separated, the trailing `|`), its rows spread over 5,000
communes; the territory has `--communes` of them (about 8,000 rows at 40). Each row of the
table runs in a fresh child process, so that its peak memory (ru_maxrss) is its own:

- baseline: a bare loop over the file's lines, split on `|` (the least a reader does);
- reader: `integrations.annuaire.extraction.read_activities` kept to the territory's communes
  (what `cpts directory import` streams), with its progress callback;
- reader, no filter: every row turned into an activity (a national import would);
- import: the reader, then `import_directory` into a migrated database (the territory's rows:
  professionals, places); and the same file again (the idempotent refresh: nothing to write).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from stdnum import luhn

from bench.booking import machine
from integrations.annuaire.extraction import PUBLISHED_HEADER as HEADER

COMMUNES = 5000


def _commune(i: int) -> str:
    return f"{10 + i // 1000:02d}{i % 1000:03d}"


def write_file(path: Path, rows: int, seed: int = 7) -> int:
    """`rows` activities over COMMUNES communes; several activities per professional."""
    rng = random.Random(seed)
    columns = HEADER.rstrip("|").split("|")
    at = {name: i for i, name in enumerate(columns)}
    template = [""] * len(columns)
    fixed = {
        "Code civilité": "M",
        "Code catégorie professionnelle": "C",
        "Libellé catégorie professionnelle": "Civil",
        "Code mode exercice": "L",
        "Libellé mode exercice": "Libéral",
        "Code type de voie (coord. structure)": "R",
        "Libellé type de voie (coord. structure)": "Rue",
        "Code pays (coord. structure)": "99100",
        "Libellé pays (coord. structure)": "France",
        "Autorité d'enregistrement": "CNOM/CNOM/CNOM",
        "Code secteur d'activité": "SA07",
        "Libellé secteur d'activité": "Cabinet individuel",
    }
    for name, value in fixed.items():
        template[at[name]] = value
    professions = [("10", "Médecin", "SM54"), ("60", "Infirmier", ""), ("21", "Pharmacien", "")]
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(HEADER + "\n")
        person = 0
        while written < rows:
            person += 1
            body = f"1{person:09d}"
            rpps = body + luhn.calc_check_digit(body)
            code, label, skill = professions[person % 3]
            for place in range(1 + (person % 3 == 0)):
                fields = template.copy()
                commune = _commune(rng.randrange(COMMUNES))
                fields[at["Type d'identifiant PP"]] = "8"
                fields[at["Identifiant PP"]] = rpps
                fields[at["Identification nationale PP"]] = "8" + rpps
                fields[at["Nom d'exercice"]] = f"NOM{person}"
                fields[at["Prénom d'exercice"]] = f"Prénom{person % 997}"
                fields[at["Code profession"]] = code
                fields[at["Libellé profession"]] = label
                if skill:
                    fields[at["Code type savoir-faire"]] = "S"
                    fields[at["Code savoir-faire"]] = skill
                    fields[at["Libellé savoir-faire"]] = "Médecine Générale"
                fields[at["Identifiant technique de la structure"]] = f"C{person:09d}{place}"
                fields[at["Raison sociale site"]] = f"CABINET {person}"
                fields[at["Numéro Voie (coord. structure)"]] = str(1 + person % 90)
                fields[at["Libellé Voie (coord. structure)"]] = f"DE LA GARE {place}"
                fields[at["Code postal (coord. structure)"]] = commune
                fields[at["Code commune (coord. structure)"]] = commune
                fields[at["Libellé commune (coord. structure)"]] = f"Commune {commune}"
                fields[at["Téléphone (coord. structure)"]] = f"01{person % 100_000_000:08d}"
                fields[at["Code Département (structure)"]] = commune[:2]
                out.write("|".join(fields) + "|\n")
                written += 1
                if written >= rows:
                    break
    return path.stat().st_size


def territory_communes(count: int) -> list[str]:
    return [_commune(i * (COMMUNES // count)) for i in range(count)]


# --- the children: one measure each, reported as a JSON line --------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_baseline(path: Path) -> dict[str, Any]:
    start = time.perf_counter()
    rows = 0
    with path.open("rb", buffering=1 << 20) as stream:
        stream.readline()
        for raw in stream:
            raw.decode("utf-8").rstrip("\r\n").split("|")
            rows += 1
    return {"rows": rows, "seconds": time.perf_counter() - start}


def child_reader(path: Path, communes: list[str] | None) -> dict[str, Any]:
    from integrations.annuaire.extraction import open_extraction, read_activities

    read = [0]
    start = time.perf_counter()
    kept = 0
    with open_extraction(path) as stream:
        for _ in read_activities(stream, communes, lambda n: read.__setitem__(0, read[0] + n)):
            kept += 1
    return {"kept": kept, "seconds": time.perf_counter() - start, "bytes_reported": read[0]}


async def _import(path: Path, communes: list[str], url: str) -> dict[str, Any]:
    from coordination.directory.communes_reference import ReferenceCommune, refresh_reference
    from coordination.directory.territories import TerritoryDraft, onboard_territory
    from kernel.clock import SystemClock
    from server.database import Database
    from server.migrations import upgrade
    from server.onboarding import import_national_directory
    from server.settings import Settings
    from server.state import standalone_services

    await upgrade(url)
    clock = SystemClock()
    db = Database(url)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    body = "78" + f"{random.randrange(10**6):06d}"
    async with db.write() as session:
        await refresh_reference(
            session,
            clock,
            [ReferenceCommune(insee=c, name=f"Commune {c}", department=c[:2]) for c in communes],
        )
        await onboard_territory(
            session,
            clock,
            None,
            TerritoryDraft(
                slug=slug,
                name="CPTS du banc",
                finess=body + luhn.calc_check_digit(body),
                population=100_000,
                communes=communes,
            ),
        )
    await db.dispose()
    runs = []
    async with standalone_services(Settings(database_url=url)) as services:
        for _ in range(2):
            start = time.perf_counter()
            plan = await import_national_directory(services, slug, path, dry_run=False)
            runs.append({"seconds": time.perf_counter() - start, **plan.counts()})
    return {"first": runs[0], "second": runs[1]}


def child(kind: str, path: Path, communes: list[str], url: str) -> None:
    if kind == "baseline":
        result = child_baseline(path)
    elif kind == "reader":
        result = child_reader(path, communes)
    elif kind == "reader-all":
        result = child_reader(path, None)
    else:
        result = asyncio.run(_import(path, communes, url))
    result["peak_mib"] = _peak_mib()
    print(json.dumps(result))


def _run(kind: str, path: Path, communes: list[str], url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.directory_import", "--child", kind, "--file", str(path),
         "--territory", ",".join(communes), "--url", url],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _database_url(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    base = os.environ.get("CPTS_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/")
    name = f"cpts_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f'CREATE DATABASE "{name}"'],
                   check=True, capture_output=True)  # fmt: skip
    return base.rstrip("/") + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--territory", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.file), args.territory.split(","), args.url)
        return
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "PS_LibreAcces_Personne_activite_bench.txt"
        started = time.perf_counter()
        size = write_file(path, args.rows)
        written = time.perf_counter() - started
        communes = territory_communes(args.communes)
        url = _database_url(args.database, tmp)
        print(f"machine: {machine()}")
        print(
            f"input: {args.rows:,} rows, {size / 2**20:,.0f} MiB (written in {written:.1f} s); "
            f"territory: {args.communes} of {COMMUNES} communes; database: {args.database}"
        )
        print()
        print("| row | rows kept | seconds | rows read per second | peak memory MiB |")
        print("|---|---|---|---|---|")
        base = _run("baseline", path, communes, url)
        print(f"| baseline: bare split loop | | {base['seconds']:.2f} | "
              f"{args.rows / base['seconds']:,.0f} | {base['peak_mib']:.0f} |")  # fmt: skip
        for kind, label in (("reader", "reader, territory's communes"),
                            ("reader-all", "reader, no filter")):  # fmt: skip
            r = _run(kind, path, communes, url)
            print(f"| {label} | {r['kept']:,} | {r['seconds']:.2f} | "
                  f"{args.rows / r['seconds']:,.0f} | {r['peak_mib']:.0f} |")  # fmt: skip
        try:
            imported = _run("import", path, communes, url)
        finally:
            if args.database == "postgresql":
                name = url.rsplit("/", 1)[1]
                subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c",
                                f'DROP DATABASE IF EXISTS "{name}"'], check=True, capture_output=True)  # fmt: skip
        for key, label in (("first", "import (first)"), ("second", "import again (refresh)")):
            run = imported[key]
            print(f"| {label}: +{run['added']:,} professionals, {run['locations_added']:,} places, "
                  f"{run['unchanged']:,} unchanged | | {run['seconds']:.2f} | "
                  f"{args.rows / run['seconds']:,.0f} | {imported['peak_mib']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
