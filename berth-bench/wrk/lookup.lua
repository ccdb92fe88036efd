-- wrk script: GET /api/accounts/{id} for random accounts FIRST..FIRST+ACCOUNTS-1 (env): a Redis-cached lookup plus a
-- pipelined request counter.
local accounts = tonumber(os.getenv("ACCOUNTS") or "100")
local first = tonumber(os.getenv("FIRST") or "1")
math.randomseed(os.time())

request = function()
  return wrk.format("GET", "/api/accounts/" .. (first + math.random(1, accounts) - 1))
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
