-- wrk script: POST one visit per request to the grid named by the first argument; the cadre is
-- the second argument, or left out (a grid principal's own cadre is the default).
function init(args)
    local cadre = args[2] and (',"cadreId":"' .. args[2] .. '"') or ""
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = '{"type":"visit","date":"2014-08-05","gridId":"' .. args[1] .. '","summary":"走访"' .. cadre .. '}'
end
