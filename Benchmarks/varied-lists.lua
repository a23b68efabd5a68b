-- wrk script for Benchmarks/run.sh's `GET varied lists` workload: every request is a different list
-- query on /assistance-records, so no per-URL cache can answer it:
--
--   wrk -t1 -c64 -d8s -s Benchmarks/varied-lists.lua http://127.0.0.1:PORT/assistance-records -- GRID_IDS [SEED]
--
-- GRID_IDS: the seed's grid ids, comma-separated (run.sh reads them from the server). SEED: the random
-- seed (default 20140806; each wrk thread adds its number), so the queries a run makes are repeatable.
--
-- A request is one of: a grid (`gridId`), a type, a type in a date range, a date range, a grid in a
-- date range, or the unfiltered list; a third of them also `sort=-date`; `limit` 10-100. About one
-- request in four instead follows a page a previous answer pointed to: response() takes the `Link:
-- <…?…&cursor=…>; rel="next"` header (the request's own filters and sort plus the body's `next`
-- cursor, which is only valid with them; a response cannot tell which request it answers, so the body's
-- cursor alone would not do) and keeps the newest 256 such pages per thread.
--
-- Fails loudly: every answer that is not 200 is counted (wrk counts non-2xx too, and run.sh refuses a run
-- with any) and the first few are printed with their body; done() prints one summary line,
--   varied-lists: N answers, F followed pages, B not 200
-- which run.sh checks.
local types = { "visit", "household_visit", "suggestion", "funding", "household_pairing", "good_deed",
    "problem_resolved", "branch_pairing" }
local days = { 31, 28, 31, 30, 31, 30, 31, 31 } -- January…August 2014
local grids = {}
local pages, pending = {}, 0 -- followable next pages
-- Globals, so that done() can read them from each thread (thread:get).
answers, followed, bad = 0, 0, 0
local threads = {}

function setup(thread)
    thread:set("number", #threads)
    threads[#threads + 1] = thread
end

function init(args)
    for id in string.gmatch(args[1] or "", "[^,]+") do grids[#grids + 1] = id end
    if #grids == 0 then error("varied-lists.lua: usage: -- GRID_IDS (comma-separated) [SEED]") end
    math.randomseed((tonumber(args[2]) or 20140806) + number)
end

-- A date from January to August 2014, where the seed's records lie (they run to 2014-08-05).
local function date()
    local month = math.random(8)
    return string.format("2014-%02d-%02d", month, math.random(days[month]))
end

-- From one date to another on or after it (ISO dates compare as strings).
local function range()
    local first, last = date(), date()
    if last < first then first, last = last, first end
    return string.format("date[gte]=%s&date[lte]=%s", first, last)
end

local function grid() return "gridId=" .. grids[math.random(#grids)] end
local function kind() return "type=" .. types[math.random(#types)] end

local function query()
    local pick = math.random(100)
    local filters
    if pick <= 25 then
        filters = { grid() }
    elseif pick <= 40 then
        filters = { kind() }
    elseif pick <= 60 then
        filters = { kind(), range() }
    elseif pick <= 75 then
        filters = { range() }
    elseif pick <= 90 then
        filters = { grid(), range() }
    else
        filters = {}
    end
    if math.random(3) == 1 then filters[#filters + 1] = "sort=-date" end
    filters[#filters + 1] = "limit=" .. math.random(10, 100)
    return wrk.path .. "?" .. table.concat(filters, "&")
end

function request()
    if pending > 0 and math.random(4) == 1 then
        local index = math.random(pending)
        local path = pages[index]
        pages[index] = pages[pending]
        pages[pending] = nil
        pending = pending - 1
        followed = followed + 1
        return wrk.format("GET", path)
    end
    return wrk.format("GET", query())
end

function response(status, headers, body)
    answers = answers + 1
    if status ~= 200 then
        bad = bad + 1
        if bad <= 3 then
            io.stderr:write(string.format("varied-lists: answer %d was %d: %s\n", answers, status, body:sub(1, 300)))
        end
        return
    end
    local link = headers["Link"] or headers["link"]
    local page = link and link:match('^<([^>]+)>; rel="next"')
    if page then
        if pending < 256 then
            pending = pending + 1
            pages[pending] = page
        else
            pages[math.random(pending)] = page
        end
    elseif not body:find('"next":null', 1, true) then
        bad = bad + 1
        io.stderr:write("varied-lists: a page with a `next` cursor came without a Link header\n")
    end
end

function done(summary, latency, requests)
    local total_answers, total_followed, total_bad = 0, 0, 0
    for _, thread in ipairs(threads) do
        total_answers = total_answers + thread:get("answers")
        total_followed = total_followed + thread:get("followed")
        total_bad = total_bad + thread:get("bad")
    end
    io.write(string.format("varied-lists: %d answers, %d followed pages, %d not 200\n",
        total_answers, total_followed, total_bad))
end
