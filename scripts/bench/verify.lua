-- wrk script: POST /v1/verifications as multipart/form-data with a fixture photo.
-- Environment: FASTCERT_KEY (a kiosk key), FASTCERT_PERSON (resident ID), FASTCERT_PHOTO (path).
local boundary = "fastcert-wrk-boundary"
local file = assert(io.open(os.getenv("FASTCERT_PHOTO"), "rb"))
local photo = file:read("*a")
file:close()
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("FASTCERT_KEY")
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"person_id\"\r\n\r\n" .. os.getenv("FASTCERT_PERSON") ..
    "\r\n--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" ..
    photo .. "\r\n--" .. boundary .. "--\r\n"
