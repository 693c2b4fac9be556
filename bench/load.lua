-- wrk's script for bench/load.py: each request asks for a path drawn at random from a file of
-- paths (one a line), and every answer is counted by its status and by nginx's X-Cache-Status.
--   wrk -s bench/load.lua URL -- PATHS_FILE [reload]
-- "reload" sends `Cache-Control: no-cache`, which nginx's site passes to Django without looking
-- in its own cache (deploy/nginx-site.conf.in). done() prints one line: RESULT {json}.

local threads = {}

function setup(thread)
   thread:set("number", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   paths = {}
   for line in io.lines(args[1]) do
      if line ~= "" then
         table.insert(paths, line)
      end
   end
   assert(#paths > 0, "no paths in " .. args[1])
   -- What browsers send; nginx compresses its answers as it would for them.
   wrk.headers["Accept-Encoding"] = "gzip"
   if args[2] == "reload" then
      wrk.headers["Cache-Control"] = "no-cache"
   end
   math.randomseed(os.time() * 100 + number)
   statuses = {}
   cache = {}
end

function request()
   return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
   local key = tostring(status)
   statuses[key] = (statuses[key] or 0) + 1
   local how = headers["X-Cache-Status"] or "none"
   cache[how] = (cache[how] or 0) + 1
end

local function add_into(total, counts)
   for key, count in pairs(counts or {}) do
      total[key] = (total[key] or 0) + count
   end
end

local function json_counts(counts)
   local parts = {}
   for key, count in pairs(counts) do
      table.insert(parts, string.format("%q: %d", key, count))
   end
   return "{" .. table.concat(parts, ", ") .. "}"
end

function done(summary, latency, requests)
   local all_statuses, all_cache = {}, {}
   for _, thread in ipairs(threads) do
      add_into(all_statuses, thread:get("statuses"))
      add_into(all_cache, thread:get("cache"))
   end
   local errors = summary.errors
   io.write(string.format(
      'RESULT {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, '
         .. '"max_ms": %.3f, "connect": %d, "read": %d, "write": %d, "timeout": %d, '
         .. '"statuses": %s, "cache": %s}\n',
      summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000, errors.connect, errors.read,
      errors.write, errors.timeout, json_counts(all_statuses), json_counts(all_cache)))
end
