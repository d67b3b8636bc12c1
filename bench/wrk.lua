-- wrk script for `make bench`: the request comes from the environment, the summary goes out
-- as one JSON line (prefixed "WRKJSON ") that bench/run.py parses.
--   BENCH_METHOD (GET), BENCH_PATH (/), BENCH_BODY, BENCH_CONTENT_TYPE, BENCH_AUTH
--   (a full Authorization header value), BENCH_EXPECT (status that counts as success; 200),
--   BENCH_BODIES (a file of request bodies, one a line, sent in turn instead of BENCH_BODY;
--   each thread starts at its own offset, so concurrent requests carry different bodies),
--   BENCH_DELAY_MS (pause before each request of a connection; 0 = none),
--   BENCH_LINE_HEADER (with BENCH_BODIES: each line is "<value>\t<body>", the value sent in
--   this header, e.g. a DPoP proof that may be used once)
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
local ctype = os.getenv("BENCH_CONTENT_TYPE")
local auth = os.getenv("BENCH_AUTH")
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")

local headers = {}
if ctype then headers["Content-Type"] = ctype end
if auth then headers["Authorization"] = auth end
local req = nil

-- wrk counts non-2xx/3xx responses as status errors. With BENCH_DEBUG set, every thread also
-- counts responses other than BENCH_EXPECT and prints the first one (slower: wrk then parses
-- every response in Lua).
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("index", #threads)
end

local reqs = nil
local next_req = 1

function init(args)
  unexpected = 0
  local file = os.getenv("BENCH_BODIES")
  if file then
    reqs = {}
    local line_header = os.getenv("BENCH_LINE_HEADER")
    for line in io.lines(file) do
      if line_header then
        local tab = string.find(line, "\t", 1, true)
        local h = {}
        for k, v in pairs(headers) do h[k] = v end
        h[line_header] = string.sub(line, 1, tab - 1)
        table.insert(reqs, wrk.format(method, path, h, string.sub(line, tab + 1)))
      else
        table.insert(reqs, wrk.format(method, path, headers, line))
      end
    end
    -- Threads are numbered from 1 as set up; spread their starting points over the list.
    next_req = 1 + ((index - 1) * math.floor(#reqs / 2)) % #reqs
  else
    req = wrk.format(method, path, headers, body)
  end
end

function request()
  if reqs then
    local r = reqs[next_req]
    next_req = next_req % #reqs + 1
    return r
  end
  return req
end

-- BENCH_DELAY_MS paces each connection: it waits that long before each request, so a probe
-- measures latency under another load instead of adding a load of its own.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

if os.getenv("BENCH_DEBUG") then
  function response(status, hdrs, b)
    if status ~= expect then
      unexpected = unexpected + 1
      if unexpected == 1 then io.stderr:write("unexpected status " .. status .. ": " .. string.sub(b or "", 1, 200) .. "\n") end
    end
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("unexpected") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"duration_us":%d,"requests":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"unexpected":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, bad, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
