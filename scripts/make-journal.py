#!/usr/bin/env python3
"""Writes a data directory whose journal holds N creates of visit records, exactly as the server
journals them (one line each, CRC-32 trailer), to measure start-up replay.

usage: scripts/make-journal.py DIR [N] [--spread]
    N defaults to 1,000,000; DIR must not have a journal. With --spread the records are spread
    (seeded, repeatably) over the seed's 8 types, 2014's dates, grid-0001…grid-0504 and
    cadre-0001…cadre-2100, as a scale test of filtered lists needs; without it every record is
    the same visit to grid-0001.
"""
import os
import random
import sys
import zlib

spread = "--spread" in sys.argv
arguments = [a for a in sys.argv[1:] if a != "--spread"]
directory = arguments[0]
count = int(arguments[1]) if len(arguments) > 1 else 1_000_000
rng = random.Random(20140806)
TYPES = ["visit", "household_visit", "suggestion", "funding", "household_pairing", "good_deed",
         "problem_resolved", "branch_pairing"]
DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
os.makedirs(directory, exist_ok=True)
path = os.path.join(directory, "journal.log")
if os.path.exists(path):
    sys.exit(f"{path} exists; refusing to overwrite it")
stamp = "2026-11-26T00:00:00Z"
with open(path, "wb") as journal:
    # The header names the store's epoch (a journal without one is migrated by a snapshot at start).
    header = b'{"epoch":"%08x"' % rng.getrandbits(32)
    lines = [header + b',"crc32":"%08x"}\n' % (zlib.crc32(header) & 0xFFFFFFFF)]
    for index in range(count):
        seq = index + 2  # the seed is revision 1
        kind, date, cadre, grid, amount = "visit", "2014-08-05", 1, 1, "null"
        if spread:
            kind = rng.choice(TYPES)
            month = rng.randrange(12)
            date = "2014-%02d-%02d" % (month + 1, rng.randrange(DAYS[month]) + 1)
            cadre, grid = rng.randrange(1, 2101), rng.randrange(1, 505)
            amount = str(rng.randrange(1, 100) * 100) if kind == "funding" else "null"
        body = (
            '{"seq":%d,"puts":[{"kind":"assistance-records","record":{"id":"record-%07d","type":"%s",'
            '"date":"%s","cadreId":"cadre-%04d","gridId":"grid-%04d","householdName":null,'
            '"amountYuan":%s,"summary":"深入网格走访 %d","createdAt":"%s","updatedAt":"%s","revision":1,'
            '"source":"api"}}],"removes":[]'
            % (seq, 1_000_000 + index, kind, date, cadre, grid, amount, index, stamp, stamp)
        ).encode()
        lines.append(body + b',"crc32":"%08x"}\n' % (zlib.crc32(body) & 0xFFFFFFFF))
        if len(lines) == 10_000:
            journal.writelines(lines)
            lines.clear()
    journal.writelines(lines)
print(f"{path}: {count} lines, {os.path.getsize(path)} bytes")
