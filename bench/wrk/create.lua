-- wrk script: a villager's concern through the public form (POST /m/{meeting}, a form) or,
-- with BENCH_API=1, through the JSON API (POST /api/v1/public/concerns).
--
-- Public submissions are limited to 30 per client and hour, so every request comes from
-- another client: the server trusts `x-forwarded-for` (QINGLIAN_CLIENT_IP_HEADER) and each
-- request sends a fresh 10.x.y.z address (BENCH_RUN picks the range, so runs do not share
-- clients).
--
-- Every 201 is an acknowledged concern: its receipt code (in the page or the JSON) is
-- appended to BENCH_ACKED.<thread>, so the rows can be checked after the run, code by code.
local meetings, categories = {}, {}
for m in string.gmatch(os.getenv("BENCH_MEETINGS"), "[^,]+") do meetings[#meetings + 1] = m end
for c in string.gmatch(os.getenv("BENCH_CATEGORIES"), "[^,]+") do categories[#categories + 1] = c end
local api = os.getenv("BENCH_API") == "1"
local run = tonumber(os.getenv("BENCH_RUN") or "1") % 16

local threads, counter = {}, 0
local id, n, out = 0, 0, nil
acked = 0 -- a global: done() reads it from each thread

-- Form encoding: everything but unreserved characters as %XX.
local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- The text's fixed part; each request appends " bench <thread>-<n>" so every concern differs.
local text = "村里的路灯坏了两个月，晚上出行不便，请尽快修复。bench "

-- What does not change between requests is encoded once per thread, in init(): wrk runs on
-- the server's cores, and percent-encoding the text and formatting the headers anew for each
-- request (wrk.format) cost the server a share of them. The bytes sent are the same.
local heads, bodies = {}, {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  out = io.open(os.getenv("BENCH_ACKED") .. "." .. id, "a")
  out:setvbuf("line")
  local host = wrk.headers["Host"] or (wrk.host .. ":" .. wrk.port)
  for i, m in ipairs(meetings) do
    local path, ctype = "/m/" .. m, "application/x-www-form-urlencoded"
    if api then path, ctype = "/api/v1/public/concerns", "application/json" end
    heads[i] = "POST " .. path .. " HTTP/1.1\r\nHost: " .. host .. "\r\nContent-Type: " .. ctype
      .. "\r\nX-Forwarded-For: "
    for j, c in ipairs(categories) do
      local k = (i - 1) * #categories + j
      if api then
        bodies[k] = string.format('{"meeting_id":"%s","category_id":"%s","text":"%s', m, c, text)
      else
        bodies[k] = "category_id=" .. urlencode(c) .. "&text=" .. urlencode(text)
      end
    end
  end
end

function request()
  n = n + 1
  -- Up to 4 threads; a run's clients start a million addresses after the last run's.
  local k = (run * 1048576 + n * 4 + id) % 16777216
  local ip = string.format("10.%d.%d.%d", math.floor(k / 65536), math.floor(k / 256) % 256, k % 256)
  local mi, ci = n % #meetings + 1, n % #categories + 1
  -- The suffix is digits and "-", the same in both encodings.
  local body = bodies[(mi - 1) * #categories + ci] .. id .. "-" .. n
  if api then body = body .. '"}' end
  return heads[mi] .. ip .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  if status == 201 then
    acked = acked + 1
    local code = string.match(body, "%d%d%d%d%-%d%d%d%d%-%d%d%d%d%-%d%d%d%d")
    if code then
      out:write(code, "\n")
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("acked") end
  io.write(string.format("acked: %d\n", total))
end
