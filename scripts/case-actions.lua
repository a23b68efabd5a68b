-- wrk script: each thread walks cases through the whole workflow on its one connection, so run it
-- with as many threads as connections (wrk -t16 -c16). A walk is 7 writes: POST /cases, then
-- accept, dispatch (to the reporting cadre), start, submit, check (passed), close (resolved, which
-- also creates the problem_resolved assistance record). Arguments: GRID CADRE.
local steps = {
    '{"action":"accept"}',
    nil, -- dispatch, made in init with the cadre
    '{"action":"start"}',
    '{"action":"submit"}',
    '{"action":"check","passed":true}',
    '{"action":"close","outcome":"resolved","note":"已解决"}',
}
local step, id, create, failures = 0, nil, nil, 0

function init(args)
    local grid, cadre = args[1], args[2]
    steps[2] = '{"action":"dispatch","assignee":"' .. cadre .. '"}'
    create = '{"category":"help","gridId":"' .. grid .. '","title":"路灯不亮","description":"走访发现组上路灯坏了",'
        .. '"reportedBy":"' .. cadre .. '","origin":"visit"}'
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    if step == 0 or id == nil then
        return wrk.format("POST", "/cases", nil, create)
    end
    return wrk.format("POST", "/cases/" .. id .. "/actions", nil, steps[step])
end

function response(status, headers, body)
    if step == 0 then
        if status == 201 then
            id = string.match(headers["Location"] or "", "/cases/(.+)")
            step = 1
        end
    elseif status == 200 then
        step = step + 1
        if step > #steps then step = 0 end
    else
        -- Out of step (should not happen): start a new case.
        failures = failures + 1
        step = 0
    end
end
