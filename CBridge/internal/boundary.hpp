// Internal: the one catch ladder and the one message writer of the C boundary. Every exported
// function runs its body through guarded(), so no C++ exception (an OpenCV assertion, dlib's
// errors, bad_alloc, anything) ever reaches Swift, and each failure comes back as one fc_status with
// its message. Nothing here allocates or throws: the message is copied into the caller's buffer
// with snprintf, never built with std::string inside a catch block (which can itself throw).
#ifndef FASTCERT_BOUNDARY_HPP
#define FASTCERT_BOUNDARY_HPP

#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include <opencv2/core.hpp>

#include "fastcert_bridge.h"
#include "internal/face_pipeline.hpp"

namespace fastcert {

/** Writes text (truncated, always terminated) into the caller's buffer; null or empty buffers are skipped. */
inline void write_message(char *message, size_t capacity, const char *text) noexcept {
    if (message != nullptr && capacity > 0) std::snprintf(message, capacity, "%s", text != nullptr ? text : "");
}

/** write_message for a prefix and a detail: "prefix: detail". */
inline void write_message(char *message, size_t capacity, const char *prefix, const char *detail) noexcept {
    if (message != nullptr && capacity > 0)
        std::snprintf(message, capacity, "%s: %s", prefix, detail != nullptr ? detail : "");
}

/**
 * Runs body (a callable returning fc_status) and turns every exception into a status:
 * ModelLoadError -> FC_MODEL_LOAD_FAILURE; an OpenCV exception, bad_alloc, any other exception ->
 * FC_INTERNAL_ERROR (an internal fault is never reported as the caller's bad image). `task` names
 * what was being done ("analysing the image"), for the message.
 */
template <typename Body>
fc_status guarded(char *message, size_t capacity, const char *task, Body &&body) noexcept {
    try {
        return body();
    } catch (const ModelLoadError &error) {
        write_message(message, capacity, error.what());
        return FC_MODEL_LOAD_FAILURE;
    } catch (const cv::Exception &error) {
        char prefix[160];
        std::snprintf(prefix, sizeof prefix, "internal fault in OpenCV while %s", task);
        write_message(message, capacity, prefix, error.what());
        return FC_INTERNAL_ERROR;
    } catch (const std::bad_alloc &) {
        char text[160];
        std::snprintf(text, sizeof text, "out of memory while %s", task);
        write_message(message, capacity, text);
        return FC_INTERNAL_ERROR;
    } catch (const std::exception &error) {
        char prefix[160];
        std::snprintf(prefix, sizeof prefix, "internal fault while %s", task);
        write_message(message, capacity, prefix, error.what());
        return FC_INTERNAL_ERROR;
    } catch (...) {
        char text[160];
        std::snprintf(text, sizeof text, "unknown internal fault while %s", task);
        write_message(message, capacity, text);
        return FC_INTERNAL_ERROR;
    }
}

}  // namespace fastcert

#endif
