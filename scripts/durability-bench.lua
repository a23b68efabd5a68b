-- wrk script for scripts/durability-bench.sh: each request POSTs one valid `visit` assistance
-- record with a random date in 2014-01-01…2014-08-05 and a random cadre and grid taken from the
-- ids the caller found on the running server:
--   wrk -t1 -c16 -d8s -s scripts/durability-bench.lua URL/assistance-records -- CADRE,… GRID,…
local headers = { ["Content-Type"] = "application/json" }
local days = { 31, 28, 31, 30, 31, 30, 31, 5 } -- January…August 2014, August up to the 5th
local cadres, grids = {}, {}

local function split(list, into)
    for id in string.gmatch(list or "", "[^,]+") do into[#into + 1] = id end
end

function init(args)
    split(args[1], cadres)
    split(args[2], grids)
    if #cadres == 0 or #grids == 0 then error("usage: -- CADRE_IDS GRID_IDS (comma-separated)") end
    math.randomseed(20140806)
end

function request()
    local month = math.random(#days)
    local body = string.format(
        '{"type":"visit","date":"2014-%02d-%02d","cadreId":"%s","gridId":"%s","summary":"深入网格走访"}',
        month, math.random(days[month]), cadres[math.random(#cadres)], grids[math.random(#grids)])
    return wrk.format("POST", nil, headers, body)
end
