-- wrk script: a department's filtered list (GET /staff/concerns?state=assigned&overdue=1,
-- 25 rows and the total, paginated), signed in as the demo `department` account: the
-- session cookie comes in BENCH_COOKIE, pages 1..BENCH_PAGES are visited in turn.
local reqs, n = {}, 0

function init(args)
  local headers = { ["Cookie"] = os.getenv("BENCH_COOKIE") }
  local pages = tonumber(os.getenv("BENCH_PAGES") or "20")
  for p = 1, pages do
    reqs[p] = wrk.format("GET", "/staff/concerns?state=assigned&overdue=1&page=" .. p, headers)
  end
  n = math.random(pages) - 1
end

function request()
  n = n % #reqs + 1
  return reqs[n]
end
