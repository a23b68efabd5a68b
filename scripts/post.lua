-- wrk script: POST one visit record per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type":"visit","date":"2014-08-05","cadreId":"cadre-0001","gridId":"grid-0001","summary":"深入网格走访"}'
