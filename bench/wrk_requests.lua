-- wrk script of bench/wrk_load.py: POST each line of a file (signature TAB body) once.
-- Arguments: the file, the line to start from, the number of wrk threads.
-- Thread k sends lines offset+k, offset+k+threads, ...; past the end it starts again.

local counter = 0
local threads = {}

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, offset, step = args[1], tonumber(args[2]), tonumber(args[3])
  signatures, bodies = {}, {}
  for line in io.lines(path) do
    local tab = line:find("\t", 1, true)
    table.insert(signatures, line:sub(1, tab - 1))
    table.insert(bodies, line:sub(tab + 1))
  end
  position = offset + index
  stride = step
end

function request()
  local i = (position % #bodies) + 1
  position = position + stride
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Stripe-Signature"] = signatures[i]}, bodies[i])
end

function done(summary, latency, requests)
  -- The first line no thread reached: where the next run starts, so that no event is sent twice.
  local furthest = 0
  for _, thread in ipairs(threads) do
    local reached = thread:get("position")
    if reached > furthest then furthest = reached end
  end
  io.write(string.format("next offset: %d\n", furthest))
end
