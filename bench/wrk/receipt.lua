-- wrk script: the villager's receipt look-up page (POST /receipt, a form), each request with
-- a receipt code drawn from the generator's sample (BENCH_RECEIPTS, one code a line).
-- Requests are prepared once per thread, so wrk spends no Lua time building them.
local codes = {}
for line in io.lines(os.getenv("BENCH_RECEIPTS")) do
  codes[#codes + 1] = line
end

local reqs, n = {}, 0

function init(args)
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  -- Each thread starts elsewhere in the sample, so the threads do not read the same rows.
  local start = math.random(#codes)
  for i = 1, math.min(#codes, 2000) do
    local code = codes[(start + i) % #codes + 1]
    reqs[i] = wrk.format("POST", "/receipt", headers, "receipt=" .. code)
  end
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end
