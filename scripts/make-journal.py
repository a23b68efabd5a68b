#!/usr/bin/env python3
"""Writes a data directory whose journal holds N creates of visit records, exactly as the server
journals them (one line each, CRC-32 trailer), to measure start-up replay.

usage: scripts/make-journal.py DIR [N]      (default N = 1,000,000; DIR must not have a journal)
"""
import os
import sys
import zlib

directory = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
os.makedirs(directory, exist_ok=True)
path = os.path.join(directory, "journal.log")
if os.path.exists(path):
    sys.exit(f"{path} exists; refusing to overwrite it")
stamp = "2026-11-26T00:00:00Z"
with open(path, "wb") as journal:
    lines = []
    for index in range(count):
        seq = index + 2  # the seed is revision 1
        body = (
            '{"seq":%d,"puts":[{"kind":"assistance-records","record":{"id":"record-%07d","type":"visit",'
            '"date":"2014-08-05","cadreId":"cadre-0001","gridId":"grid-0001","householdName":null,'
            '"amountYuan":null,"summary":"深入网格走访 %d","createdAt":"%s","updatedAt":"%s","revision":1,'
            '"source":"api"}}],"removes":[]' % (seq, 1_000_000 + index, index, stamp, stamp)
        ).encode()
        lines.append(body + b',"crc32":"%08x"}\n' % (zlib.crc32(body) & 0xFFFFFFFF))
        if len(lines) == 10_000:
            journal.writelines(lines)
            lines.clear()
    journal.writelines(lines)
print(f"{path}: {count} lines, {os.path.getsize(path)} bytes")
