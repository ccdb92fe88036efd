-- wrk script: POST /api/transfers between random accounts FIRST..FIRST+ACCOUNTS-1 (env), 1 cent each.
-- Transfers go both ways at random, so balances drift around their opening values and never run dry.
local accounts = tonumber(os.getenv("ACCOUNTS") or "100")
local first = tonumber(os.getenv("FIRST") or "1")
math.randomseed(os.time())
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local from = math.random(1, accounts)
  local to = math.random(1, accounts - 1)
  if to >= from then to = to + 1 end
  return wrk.format(nil, "/api/transfers", nil,
    string.format('{"from": %d, "to": %d, "amount": 1}', first + from - 1, first + to - 1))
end

local statuses = {}
response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
