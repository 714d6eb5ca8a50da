-- Load script for bench/run.py: each request takes a random path and a random signed-in
-- session from two files, and the run ends by printing one JSON line of figures.
-- wrk -s bench/wrk/bench.lua URL -- PATHS_FILE COOKIES_FILE [METHOD] [BODY]

local paths, cookies = {}, {}
local method, body = "GET", nil

local function lines(name)
  local out = {}
  for line in io.lines(name) do
    if #line > 0 then out[#out + 1] = line end
  end
  return out
end

function init(args)
  paths = lines(args[1])
  cookies = lines(args[2])
  method = args[3] or "GET"
  body = args[4]
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
  local path = paths[math.random(#paths)]
  local headers = { ["Cookie"] = cookies[math.random(#cookies)] }
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Accept"] = "application/json"
    local value = (math.random(2) == 1) and "1" or "-1"
    return wrk.format("POST", path, headers, (body or "value=") .. value)
  end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, '
      .. '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
