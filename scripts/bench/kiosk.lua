-- wrk script: the kiosk flow, one device per connection (run with -tN -cN: each thread its own kiosk
-- key). Each flow asks for one liveness session, waits while the kiosk captures (the frames' span,
-- as the person follows the prompts), then submits the 10 frames that perform the issued
-- challenges, from a capture of its own (scripts/bench/kiosk_flows.py: each flow another capture,
-- never one the service has seen), and starts again. The submission is timed (request written to
-- answer read, a monotonic clock through LuaJIT's FFI): what the person waits for once the capture
-- ends. Any answer that is not 2xx, and any flow not verified, is counted and printed; the caller
-- fails the run on either.
-- Environment: FASTCERT_KEYS (kiosk keys, comma-separated, at least one a thread), FASTCERT_PERSON,
-- FASTCERT_FLOWS (the folder of flows), FASTCERT_FLOW_FIRST and FASTCERT_FLOW_COUNT (the flows
-- this run may use: thread t takes FIRST + t, + t + N, ...), FASTCERT_STAMPS (the 10 capture times
-- in ms, comma-separated).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } fc_timespec;
int clock_gettime(int clock, fc_timespec *out);
]]
local function now_ms()
    local t = ffi.new("fc_timespec")
    ffi.C.clock_gettime(1, t)  -- CLOCK_MONOTONIC
    return tonumber(t.tv_sec) * 1000 + tonumber(t.tv_nsec) / 1e6
end

local threads = {}
local keys = {}
for k in string.gmatch(os.getenv("FASTCERT_KEYS"), "[^,]+") do table.insert(keys, k) end

function setup(thread)
    table.insert(threads, thread)
    assert(#threads <= #keys, "FASTCERT_KEYS has fewer keys than wrk has threads")
    thread:set("key", keys[#threads])
    thread:set("index", #threads - 1)
end

local boundary = "fastcert-wrk-kiosk"
local person, stamps, flows, first, count, span, stride
local state = "session"
local session_id, turns
local sent_at
local flow
sessions, verifications, live, verified, failures, exhausted = 0, 0, 0, 0, 0, 0
latencies = ""
last_failure = ""

function init(args)
    person = os.getenv("FASTCERT_PERSON")
    stamps = os.getenv("FASTCERT_STAMPS")
    flows = os.getenv("FASTCERT_FLOWS")
    first = tonumber(os.getenv("FASTCERT_FLOW_FIRST"))
    count = tonumber(os.getenv("FASTCERT_FLOW_COUNT"))
    stride = tonumber(os.getenv("FASTCERT_THREADS"))
    span = tonumber(string.match(stamps, "(%d+)$"))
    flow = index
end

local function read(path)
    local file = assert(io.open(path, "rb"))
    local data = file:read("*a")
    file:close()
    return data
end

local function field(name, value)
    return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

local function fail(what)
    failures = failures + 1
    last_failure = string.sub(what, 1, 300)
    state = "session"
end

function delay()
    -- The kiosk records while the person follows the prompts: the submission leaves when the capture ends.
    if state == "verify" then return span end
    return 0
end

function request()
    local headers = { ["Authorization"] = "Bearer " .. key }
    if state == "session" then
        headers["Content-Type"] = "application/json"
        return wrk.format("POST", "/v1/liveness/sessions", headers, '{"person_id": "' .. person .. '"}')
    end
    local dir = string.format("%s/flow_%04d/", flows, first + flow)
    local a, b = turns[1], turns[2]
    local names = { "n0", "n1", "a_" .. a .. "_0", "a_" .. a .. "_1", "a_" .. a .. "_2", "n2", "b_" .. b .. "_0", "b_" .. b .. "_1",
        "b_" .. b .. "_2", "n3" }
    local parts = { field("person_id", person), field("liveness_session", session_id), field("timestamps", stamps) }
    for i, name in ipairs(names) do
        table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"frame\"; filename=\"f" .. i ..
            ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" .. read(dir .. name .. ".jpg") .. "\r\n")
    end
    table.insert(parts, "--" .. boundary .. "--\r\n")
    headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    flow = flow + stride
    sent_at = now_ms()
    return wrk.format("POST", "/v1/verifications", headers, table.concat(parts))
end

function response(status, headers, body)
    if state == "session" then
        sessions = sessions + 1
        if status ~= 201 then return fail("session: " .. status .. " " .. body) end
        session_id = string.match(body, '"session_id":"(%x+)"')
        turns = {}
        for c in string.gmatch(body, '"challenge":"turn_(%a+)"') do table.insert(turns, c) end
        if not session_id or #turns ~= 2 then return fail("session: no id or not two turns: " .. body) end
        if flow >= count then
            -- Every capture this run may use has been sent: no flow may send one twice.
            exhausted = 1
            wrk.thread:stop()
            return
        end
        state = "verify"
        return
    end
    local elapsed = now_ms() - sent_at
    verifications = verifications + 1
    state = "session"
    if status ~= 200 then return fail("verification: " .. status .. " " .. body) end
    latencies = latencies .. string.format("%.1f,", elapsed)
    if string.match(body, '"liveness":"passed"') then live = live + 1 end
    if string.match(body, '"decision":"verified"') then verified = verified + 1 else fail("not verified: " .. body) end
end

function done(summary, latency, requests)
    local s, v, l, ok, failed, ran_out, all, example = 0, 0, 0, 0, 0, 0, {}, ""
    for _, thread in ipairs(threads) do
        s = s + thread:get("sessions")
        v = v + thread:get("verifications")
        l = l + thread:get("live")
        ok = ok + thread:get("verified")
        failed = failed + thread:get("failures")
        ran_out = ran_out + thread:get("exhausted")
        if thread:get("last_failure") ~= "" then example = thread:get("last_failure") end
        for ms in string.gmatch(thread:get("latencies"), "([^,]+)") do table.insert(all, tonumber(ms)) end
    end
    table.sort(all)
    local function pct(p) return #all > 0 and all[math.max(1, math.ceil(p * #all))] or 0 end
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "KIOSK verifications=%d live=%d verified=%d sessions=%d failures=%d exhausted=%d seconds=%.2f per_minute=%.1f p50_ms=%.0f p90_ms=%.0f max_ms=%.0f\n",
        v, l, ok, s, failed, ran_out, seconds, v * 60 / seconds, pct(0.5), pct(0.9), pct(1.0)))
    if example ~= "" then io.write("KIOSK_FAILURE " .. example .. "\n") end
end
