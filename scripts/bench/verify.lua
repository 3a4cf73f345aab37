-- wrk script: POST /v1/verifications as multipart/form-data with a fixture photo, one device per
-- connection (run with -tN -cN: each thread its own kiosk key, as N desks would be: the service takes
-- one attempt at a time from a device). Counts the answers that are not 2xx and prints them
-- (VERIFY non2xx=...): the caller fails the run on any.
-- Environment: FASTCERT_KEYS (kiosk keys, comma-separated, at least one a thread), FASTCERT_PERSON
-- (resident ID), FASTCERT_PHOTO (path).
local threads = {}
local keys = {}
for k in string.gmatch(os.getenv("FASTCERT_KEYS"), "[^,]+") do table.insert(keys, k) end

function setup(thread)
    table.insert(threads, thread)
    assert(#threads <= #keys, "FASTCERT_KEYS has fewer keys than wrk has threads")
    thread:set("key", keys[#threads])
end

local boundary = "fastcert-wrk-boundary"
failures = 0
last_failure = ""

function init(args)
    local file = assert(io.open(os.getenv("FASTCERT_PHOTO"), "rb"))
    local photo = file:read("*a")
    file:close()
    wrk.method = "POST"
    wrk.headers["Authorization"] = "Bearer " .. key
    wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    wrk.body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"person_id\"\r\n\r\n" .. os.getenv("FASTCERT_PERSON") ..
        "\r\n--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" ..
        photo .. "\r\n--" .. boundary .. "--\r\n"
end

function response(status, headers, body)
    if status < 200 or status > 299 then
        failures = failures + 1
        last_failure = status .. " " .. string.sub(body, 1, 200)
    end
end

function done(summary, latency, requests)
    local failed, example = 0, ""
    for _, thread in ipairs(threads) do
        failed = failed + thread:get("failures")
        if thread:get("last_failure") ~= "" then example = thread:get("last_failure") end
    end
    io.write(string.format("VERIFY non2xx=%d errors=%d example=%s\n", failed,
        summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, example))
end
