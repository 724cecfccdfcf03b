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

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  out = io.open(os.getenv("BENCH_ACKED") .. "." .. id, "a")
  out:setvbuf("line")
end

function request()
  n = n + 1
  -- Up to 4 threads; a run's clients start a million addresses after the last run's.
  local k = (run * 1048576 + n * 4 + id) % 16777216
  local ip = string.format("10.%d.%d.%d", math.floor(k / 65536), math.floor(k / 256) % 256, k % 256)
  local meeting = meetings[n % #meetings + 1]
  local category = categories[n % #categories + 1]
  local text = "村里的路灯坏了两个月，晚上出行不便，请尽快修复。bench " .. id .. "-" .. n
  if api then
    local body = string.format('{"meeting_id":"%s","category_id":"%s","text":"%s"}', meeting, category, text)
    return wrk.format("POST", "/api/v1/public/concerns",
      { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, body)
  end
  local body = "category_id=" .. urlencode(category) .. "&text=" .. urlencode(text)
  return wrk.format("POST", "/m/" .. meeting,
    { ["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-For"] = ip }, body)
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
