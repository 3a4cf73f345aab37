-- wrk script: the kiosk flow, one connection per wrk thread (run with -tN -cN). Each thread asks
-- for liveness sessions until one's challenges are the turns the recorded frames perform
-- (FASTCERT_CHALLENGES, e.g. "turn_right,turn_left"), then submits the frames with that session
-- (as a kiosk whose person followed the prompts would), and starts again. Each submission's frames
-- get a few bytes after the JPEG's end (ignored by the decoder) so that they are new frames: the
-- service refuses frames it has seen before as a replay.
-- Environment: FASTCERT_KEY (a kiosk key), FASTCERT_PERSON, FASTCERT_FRAMES (frame paths joined by
-- ':', in capture order), FASTCERT_STAMPS (capture times in ms, comma-separated).
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

local boundary = "fastcert-wrk-kiosk"
local key, person, wanted, stamps
local frames = {}
local state = "session"
local session_id = nil
local tag
sessions = 0
verifications = 0
live = 0
verified = 0

function init(args)
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
    tag = tostring(math.random(1, 1e9))
    key = os.getenv("FASTCERT_KEY")
    person = os.getenv("FASTCERT_PERSON")
    wanted = os.getenv("FASTCERT_CHALLENGES")
    stamps = os.getenv("FASTCERT_STAMPS")
    for path in string.gmatch(os.getenv("FASTCERT_FRAMES"), "[^:]+") do
        local file = assert(io.open(path, "rb"))
        table.insert(frames, file:read("*a"))
        file:close()
    end
end

local function field(name, value)
    return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end

function request()
    local headers = { ["Authorization"] = "Bearer " .. key }
    if state == "session" then
        headers["Content-Type"] = "application/json"
        return wrk.format("POST", "/v1/liveness/sessions", headers, '{"person_id": "' .. person .. '"}')
    end
    local parts = { field("person_id", person), field("liveness_session", session_id), field("timestamps", stamps) }
    local fresh = tag .. "-" .. verifications
    for i, frame in ipairs(frames) do
        table.insert(parts, "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"frame\"; filename=\"f" .. i ..
            ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" .. frame .. fresh .. "\r\n")
    end
    table.insert(parts, "--" .. boundary .. "--\r\n")
    headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    return wrk.format("POST", "/v1/verifications", headers, table.concat(parts))
end

function response(status, headers, body)
    if state == "session" then
        sessions = sessions + 1
        local challenges = {}
        for c in string.gmatch(body, '"challenge":"([%a_]+)"') do table.insert(challenges, c) end
        local id = string.match(body, '"session_id":"(%x+)"')
        if id and table.concat(challenges, ",") == wanted then
            session_id = id
            state = "verify"
        end
    else
        verifications = verifications + 1
        if string.match(body, '"liveness":"passed"') then live = live + 1 end
        if string.match(body, '"decision":"verified"') then verified = verified + 1 end
        state = "session"
    end
end

function done(summary, latency, requests)
    local s, v, l, ok = 0, 0, 0, 0
    for _, thread in ipairs(threads) do
        s = s + thread:get("sessions")
        v = v + thread:get("verifications")
        l = l + thread:get("live")
        ok = ok + thread:get("verified")
    end
    local seconds = summary.duration / 1e6
    io.write(string.format("KIOSK verifications=%d live=%d verified=%d sessions=%d seconds=%.2f per_second=%.2f mean_flow_ms=%.1f\n",
        v, l, ok, s, seconds, v / seconds, v > 0 and (seconds * #threads * 1000 / v) or 0))
end
