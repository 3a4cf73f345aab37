// The C entry points. Each one is noexcept and catches everything: no C++ exception crosses into
// Swift. Statuses and messages are the only way failures leave this file.
#include "fastcert_bridge.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <new>

#include <opencv2/core.hpp>

#include "internal/face_pipeline.hpp"

struct fc_engine {
    fc_engine(const char *model_directory, fastcert::EngineLimits limits) : pipeline(model_directory, limits) {}
    fastcert::FacePipeline pipeline;
};

namespace {

void write_message(char *message, size_t capacity, const char *text) noexcept {
    if (message != nullptr && capacity > 0) std::snprintf(message, capacity, "%s", text);
}

// Process-wide settings, applied once when the first engine is created. Each engine serves one
// worker thread; the workers are the parallelism. A multi-threaded BLAS or OpenCV inside each would
// only oversubscribe the cores, so ask OpenBLAS (when it is the BLAS loaded; looked up at run time
// so any BLAS still links) and OpenCV for one thread each.
void configure_process() noexcept {
    static std::once_flag once;
    std::call_once(once, [] {
        using set_threads = void (*)(int);
        if (auto set = reinterpret_cast<set_threads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
        cv::setNumThreads(1);
    });
}

}  // namespace

extern "C" {

fc_status fc_engine_create(const fc_engine_options *options, fc_engine **out_engine, char *message,
                           size_t message_capacity) {
    if (out_engine != nullptr) *out_engine = nullptr;
    if (options == nullptr || out_engine == nullptr || options->model_directory == nullptr) {
        write_message(message, message_capacity, "options, model_directory and out_engine are required");
        return FC_BAD_ARGUMENT;
    }
    fastcert::EngineLimits limits;
    if (options->max_bytes > 0) limits.max_bytes = options->max_bytes;
    if (options->max_pixels > 0) limits.max_pixels = options->max_pixels;
    if (options->detection_size < 0 || options->detection_size > 8192) {
        write_message(message, message_capacity, "detection_size must be between 80 and 8192 pixels");
        return FC_BAD_ARGUMENT;
    }
    if (options->detection_size > 0) limits.detection_size = std::max(80, int(options->detection_size));
    if (options->detector != FC_DETECTOR_HOG && options->detector != FC_DETECTOR_CNN) {
        write_message(message, message_capacity, "detector must be FC_DETECTOR_HOG or FC_DETECTOR_CNN");
        return FC_BAD_ARGUMENT;
    }
    limits.detector = fc_detector(options->detector);
    try {
        configure_process();
        *out_engine = new fc_engine(options->model_directory, limits);
        return FC_OK;
    } catch (const fastcert::ModelLoadError &error) {
        write_message(message, message_capacity, error.what());
        return FC_MODEL_LOAD_FAILURE;
    } catch (const std::bad_alloc &) {
        write_message(message, message_capacity, "out of memory loading the models");
        return FC_INTERNAL_ERROR;
    } catch (const std::exception &error) {
        write_message(message, message_capacity, error.what());
        return FC_INTERNAL_ERROR;
    } catch (...) {
        write_message(message, message_capacity, "unknown failure creating the engine");
        return FC_INTERNAL_ERROR;
    }
}

void fc_engine_destroy(fc_engine *engine) {
    delete engine;
}

fc_status fc_engine_analyze(fc_engine *engine, const uint8_t *bytes, size_t length, fc_face *faces,
                            int32_t faces_capacity, int32_t *faces_written, fc_image_info *info,
                            fc_stage_timings *timings, char *message, size_t message_capacity) {
    return fc_engine_analyze_frame(engine, bytes, length, nullptr, 1, faces, faces_capacity, faces_written, info, timings,
                                   message, message_capacity);
}

fc_status fc_engine_analyze_frame(fc_engine *engine, const uint8_t *bytes, size_t length, const float *search_region,
                                  int32_t compute_embedding, fc_face *faces, int32_t faces_capacity,
                                  int32_t *faces_written, fc_image_info *info, fc_stage_timings *timings,
                                  char *message, size_t message_capacity) {
    if (faces_written != nullptr) *faces_written = 0;
    if (engine == nullptr || (bytes == nullptr && length > 0) || faces_capacity < 0 ||
        (faces_capacity > 0 && (faces == nullptr || faces_written == nullptr))) {
        write_message(message, message_capacity, "engine, bytes, faces and faces_written must be valid");
        return FC_BAD_ARGUMENT;
    }
    try {
        fc_image_info local_info;
        fc_stage_timings local_timings;
        int written = 0;
        auto outcome = engine->pipeline.analyze(bytes, length, faces, faces_capacity, written, local_info, local_timings,
                                                search_region, compute_embedding != 0);
        if (faces_written != nullptr) *faces_written = written;
        if (info != nullptr) *info = local_info;
        if (timings != nullptr) *timings = local_timings;
        if (!outcome.ok()) write_message(message, message_capacity, outcome.message.c_str());
        return outcome.status;
    } catch (const cv::Exception &error) {
        write_message(message, message_capacity, ("image processing failed: " + error.msg).c_str());
        return FC_UNDECODABLE_IMAGE;
    } catch (const std::bad_alloc &) {
        write_message(message, message_capacity, "out of memory analysing the image");
        return FC_INTERNAL_ERROR;
    } catch (const std::exception &error) {
        write_message(message, message_capacity, error.what());
        return FC_INTERNAL_ERROR;
    } catch (...) {
        write_message(message, message_capacity, "unknown failure analysing the image");
        return FC_INTERNAL_ERROR;
    }
}

float fc_embedding_distance(const float *a, const float *b) {
    if (a == nullptr || b == nullptr) return NAN;
    double sum = 0;
    for (int i = 0; i < FC_EMBEDDING_DIMENSIONS; i++) {
        double d = double(a[i]) - double(b[i]);
        sum += d * d;
    }
    return float(std::sqrt(sum));
}

const char *fc_status_name(fc_status status) {
    switch (status) {
    case FC_OK: return "ok";
    case FC_BAD_ARGUMENT: return "bad_argument";
    case FC_UNDECODABLE_IMAGE: return "undecodable_image";
    case FC_UNSUPPORTED_FORMAT: return "unsupported_format";
    case FC_IMAGE_TOO_LARGE: return "image_too_large";
    case FC_NO_FACE: return "no_face";
    case FC_MODEL_LOAD_FAILURE: return "model_load_failure";
    case FC_INTERNAL_ERROR: return "internal_error";
    }
    return "unknown";
}

}  // extern "C"
