-- wrk script: POST assistance records spread over the 8 types, 2014's dates, grid-0001…grid-0504
-- and cadre-0001…cadre-2100 (as scripts/make-journal.py --spread writes them), for a scale run
-- over HTTP:  wrk -t1 -c64 -d40s -s scripts/post-spread.lua http://127.0.0.1:8080/assistance-records
local types = { "visit", "household_visit", "suggestion", "funding", "household_pairing", "good_deed",
    "problem_resolved", "branch_pairing" }
local days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
local headers = { ["Content-Type"] = "application/json" }
math.randomseed(20140806)

request = function()
    local kind = types[math.random(#types)]
    local month = math.random(12)
    local amount = kind == "funding" and string.format(',"amountYuan":%d', math.random(99) * 100) or ""
    local body = string.format(
        '{"type":"%s","date":"2014-%02d-%02d","cadreId":"cadre-%04d","gridId":"grid-%04d",'
            .. '"summary":"深入网格走访"%s}',
        kind, month, math.random(days[month]), math.random(2100), math.random(504), amount)
    return wrk.format("POST", nil, headers, body)
end

done = function(summary, latency, requests)
    local statuses = summary.errors.status
    io.write(string.format("%d requests, %d non-2xx; latency p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
        summary.requests, statuses, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
        latency:percentile(99.9) / 1000, latency.max / 1000))
end
