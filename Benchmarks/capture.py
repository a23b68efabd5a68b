#!/usr/bin/env python3
"""Captures what the Hummingbird peer serves from a running Gridwork, into FOLDER:

  stats.json                 GET /stats, as served
  assistance-records.json    every assistance record (paged with limit=500, following `next`)
  cadres.json                every cadre id
  grids.json                 every grid id -> its townId

usage: Benchmarks/capture.py PORT FOLDER
"""
import http.client
import json
import os
import sys
import urllib.parse

port = int(sys.argv[1])
folder = sys.argv[2]
os.makedirs(folder, exist_ok=True)
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def get(path):
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"capture: GET {path} answered {response.status}: {body[:200]!r}")
    return body


def walk(collection):
    records, cursor = [], None
    while True:
        path = f"/{collection}?limit=500"
        if cursor:
            path += "&cursor=" + urllib.parse.quote(cursor, safe="")
        page = json.loads(get(path))
        records.extend(page["data"])
        cursor = page["next"]
        if not cursor:
            if len(records) != page["total"]:
                raise SystemExit(f"capture: {collection}: walked {len(records)} records, total says {page['total']}")
            return records


def write(name, value):
    with open(os.path.join(folder, name), "w", encoding="utf-8") as file:
        json.dump(value, file, ensure_ascii=False, separators=(",", ":"))


with open(os.path.join(folder, "stats.json"), "wb") as file:
    file.write(get("/stats"))
records = walk("assistance-records")
write("assistance-records.json", records)
write("cadres.json", [cadre["id"] for cadre in walk("cadres")])
write("grids.json", {grid["id"]: grid["townId"] for grid in walk("grids")})
print(f"captured /stats and {len(records)} assistance records into {folder}")
