-- wrk script for `scripts/bench signup`: every request is a new sign-up request,
--   POST <url>   (the URL given to wrk: /api/v1/events/<id>/registrations)
--   Content-Type: application/json
--   {"name":"Bench Person","email":"b<thread>-<counter>@example.org"}
-- with an email never used before: <thread> is BENCH_SIGNUP_ROUND * 100 + the thread's
-- number (from setup), so that rounds never repeat one, and <counter> counts the thread's
-- requests. Answers are counted by status: 202 (the request holds a place; the address is
-- mailed the link to confirm it) or anything else; at the end `done` prints one line that
-- scripts/bench reads:
--   signup-answers accepted=N other=M
-- and, when there were others, up to one example per thread:
--   signup-other status=S body=...

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

-- Globals, not locals: done reads accepted, other and example with thread:get.
local tag, counter

function init(_)
  local round = tonumber(os.getenv("BENCH_SIGNUP_ROUND") or "0") or 0
  -- `number` was set by setup in this thread's own Lua state.
  tag = round * 100 + number
  counter = 0
  accepted = 0
  other = 0
  example = ""
end

local headers = { ["Content-Type"] = "application/json" }

function request()
  counter = counter + 1
  local body = string.format('{"name":"Bench Person","email":"b%d-%d@example.org"}', tag, counter)
  return wrk.format("POST", nil, headers, body)
end

function response(status, _, body)
  if status == 202 then
    accepted = accepted + 1
  else
    other = other + 1
    if example == "" then
      example = string.format("status=%d body=%s", status, string.sub(body or "", 1, 300))
    end
  end
end

function done(_, _, _)
  local total_accepted, total_other = 0, 0
  local examples = {}
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_other = total_other + thread:get("other")
    local e = thread:get("example")
    if e ~= nil and e ~= "" then table.insert(examples, e) end
  end
  io.write(string.format("signup-answers accepted=%d other=%d\n", total_accepted, total_other))
  for _, e in ipairs(examples) do
    io.write("signup-other " .. string.gsub(e, "\n", " ") .. "\n")
  end
end
