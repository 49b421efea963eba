"""Benchmark of the SEPA debit file: pain.008.001.08 for N debits, built and validated.

    .venv/bin/python bench/sepa_bench.py                  # 100,000 debits, at most 30 s
    .venv/bin/python bench/sepa_bench.py --debits 10000 --xmlschema

The file is built by guichet.payments.sepa exactly as `manage.py sepa_export` builds it
(sepaxml, plus the amendment details of a tenth of the debits; one debit in ten is a first
one), then validated against the official XSD by libxml2 (lxml), as the export does before
storing anything. --xmlschema also times the pure-Python validator sepaxml would use, to
show why the export does not.
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guichet.payments.sepa import (  # noqa: E402
    SCHEMA,
    SMNDA,
    Creditor,
    DebitLine,
    pain008_build,
    pain008_validate,
)

LIMIT_SECONDS = 30.0
CREDITOR = Creditor(
    name="Vialis", iban="FR7630006000011234567890189", bic="AGRIFRPP", creditor_id="FR72ZZZ123456"
)
DEBTOR_IBANS = ["FR7630004000031234567890143", "DE89370400440532013000"]


def lines(count: int) -> list[DebitLine]:
    made = []
    for n in range(count):
        amended = None
        if n % 10 == 5:
            amended = SMNDA if n % 20 == 5 else DEBTOR_IBANS[(n + 1) % 2]
        made.append(
            DebitLine(
                end_to_end_id=f"T{n:07d}-1",
                amount_cents=1990 + n % 10_000,
                sequence_type="FRST" if n % 10 == 0 else "RCUR",
                mandate_id=f"VIALIS-{n:08d}-1",
                mandate_signed_on=datetime.date(2026, 1, 15),
                debtor_name=f"Abonné n° {n} Müller",
                iban=DEBTOR_IBANS[n % 2],
                bic="" if n % 3 else "COBADEFFXXX",
                remittance=f"Facture T{n:07d} du 20/11/2026",
                amended_from=amended,
            )
        )
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debits", type=int, default=100_000)
    parser.add_argument("--xmlschema", action="store_true", help="also time xmlschema")
    args = parser.parse_args()

    debits = lines(args.debits)
    started = time.perf_counter()
    content = pain008_build(
        creditor=CREDITOR,
        collection_date=datetime.date(2026, 12, 5),
        message_id="GUICHET-20261205-BENCH",
        lines=debits,
    )
    built = time.perf_counter()
    pain008_validate(content)
    validated = time.perf_counter()
    total = validated - started
    print(f"pain.008.001.08 with {args.debits} debits ({len(content) / 1e6:.1f} MB):")
    print(f"  built (sepaxml + amendments)   {built - started:6.1f} s")
    print(f"  validated (XSD, libxml2/lxml)  {validated - built:6.1f} s")
    print(f"  total                          {total:6.1f} s (limit {LIMIT_SECONDS:.0f} s)")
    if args.xmlschema:
        import io

        import sepaxml
        import xmlschema

        path = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{SCHEMA}.xsd")
        schema = xmlschema.XMLSchema(path)
        begin = time.perf_counter()
        # lazy: xmlschema refuses more than a million elements held in memory at once.
        schema.validate(xmlschema.XMLResource(io.BytesIO(content), lazy=True))
        print(f"  validated (XSD, xmlschema)     {time.perf_counter() - begin:6.1f} s")
    if total > LIMIT_SECONDS:
        sys.exit(f"too slow: {total:.1f} s > {LIMIT_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
