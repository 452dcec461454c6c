-- A complete password login per iteration, on each wrk thread's one connection:
--   GET /login (form, CSRF cookie and token), then POST /login with the credentials.
-- A returning browser: the device cookie is kept from one login to the next, the session and
-- form cookies are dropped, so every iteration is a new login on a known device.
-- Environment: BENCH_LOGIN_IDENTIFIERS (comma-separated; thread n signs in as the n-th, many
-- people at once rather than one account eight times) and BENCH_LOGIN_PASSWORD (set by
-- bench/wrk.py).
-- Run with as many connections as threads (-tN -cN): the state below is per thread, and so
-- per connection. done() prints one line that bench/wrk.py parses: complete logins (a 302 to
-- the POST), other answers, and the POSTs' latency percentiles (clock_gettime through FFI;
-- wrk's own latency figures mix the GETs in).
local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clk_id, timespec *tp);
]]
local clock = ffi.new("timespec")
local function now_us()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1e6 + tonumber(clock.tv_nsec) / 1e3
end

local function escape(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local password = escape(os.getenv("BENCH_LOGIN_PASSWORD") or "")
local identifiers = {}
for value in string.gmatch(os.getenv("BENCH_LOGIN_IDENTIFIERS") or "", "[^,]+") do
  table.insert(identifiers, value)
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("identifier", escape(identifiers[(#threads - 1) % #identifiers + 1]))
end

local phase, jar, form, posted_at = "get", {}, nil, 0
logins, failures, latencies = 0, 0, {}

local function cookie_header()
  local parts = {}
  for name, value in pairs(jar) do table.insert(parts, name .. "=" .. value) end
  return table.concat(parts, "; ")
end

function request()
  if phase == "get" then
    jar["idp_form"], jar["idp_session"] = nil, nil
    return wrk.format("GET", "/login", {Cookie = cookie_header()})
  end
  posted_at = now_us()
  return wrk.format("POST", "/login", {
    Cookie = cookie_header(), ["Content-Type"] = "application/x-www-form-urlencoded",
  }, form)
end

function response(status, headers, body)
  -- wrk keeps one value per header name: the last Set-Cookie of a response.
  local set_cookie = headers["Set-Cookie"]
  if set_cookie then
    local name, value = string.match(set_cookie, "^([^=]+)=([^;]*)")
    if name then jar[name] = value end
  end
  if phase == "get" then
    local token = status == 200 and string.match(body, 'name="csrf_token"[^>]-value="([^"]+)"')
    if token then
      form = "csrf_token=" .. escape(token) .. "&identifier=" .. identifier
        .. "&password=" .. password .. "&next="
      phase = "post"
    else
      failures = failures + 1
    end
    return
  end
  if status == 302 then
    logins = logins + 1
    table.insert(latencies, now_us() - posted_at)
  else
    failures = failures + 1
  end
  phase = "get"
end

function done(summary, latency, requests)
  local total, bad, all = 0, 0, {}
  for _, thread in ipairs(threads) do
    total = total + thread:get("logins")
    bad = bad + thread:get("failures")
    for _, value in ipairs(thread:get("latencies")) do table.insert(all, value) end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p))]
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_LOGIN logins=%d failures=%d duration_us=%.0f connect=%.0f read=%.0f write=%.0f "
      .. "timeout=%.0f p50_us=%.0f p99_us=%.0f\n",
    total, bad, summary.duration, e.connect, e.read, e.write, e.timeout, pct(0.5), pct(0.99)))
end
