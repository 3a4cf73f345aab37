// The engine's C entry points. Each one is noexcept and runs its body through guarded(): no C++
// exception crosses into Swift. Statuses and messages are the only way failures leave this file.
#include "fastcert_bridge.h"

#include <dlfcn.h>

#include <algorithm>
#include <mutex>

#include <opencv2/core.hpp>

#include "internal/boundary.hpp"
#include "internal/face_pipeline.hpp"

struct fc_engine {
    fc_engine(const char *model_directory, fastcert::EngineLimits limits) : pipeline(model_directory, limits) {}
    fastcert::FacePipeline pipeline;
};

namespace {

using fastcert::write_message;

// Process-wide settings, applied once when the first engine is created. Each engine serves one
// worker thread; the workers are the parallelism. A multi-threaded BLAS or OpenCV inside each would
// only oversubscribe the cores, so ask OpenBLAS (when it is the BLAS loaded; looked up at run time
// so any BLAS still links) and OpenCV for one thread each. Stated in the header as a side effect.
void configure_process() {
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
                           size_t message_capacity) noexcept {
    if (out_engine == nullptr) {
        write_message(message, message_capacity, "out_engine is required");
        return FC_BAD_ARGUMENT;
    }
    *out_engine = nullptr;
    if (options == nullptr || options->model_directory == nullptr) {
        write_message(message, message_capacity, "options and options->model_directory are required");
        return FC_BAD_ARGUMENT;
    }
    fastcert::EngineLimits limits;
    if (options->max_bytes > 0) limits.max_bytes = options->max_bytes;
    if (options->max_pixels > 0) limits.max_pixels = options->max_pixels;
    if (options->detection_size != 0 && (options->detection_size < 80 || options->detection_size > 8192)) {
        write_message(message, message_capacity, "detection_size must be 0 (the default, 480) or between 80 and 8192 pixels");
        return FC_BAD_ARGUMENT;
    }
    if (options->detection_size > 0) limits.detection_size = int(options->detection_size);
    if (options->detector != FC_DETECTOR_HOG && options->detector != FC_DETECTOR_CNN) {
        write_message(message, message_capacity, "detector must be FC_DETECTOR_HOG or FC_DETECTOR_CNN");
        return FC_BAD_ARGUMENT;
    }
    limits.detector = fc_detector(options->detector);
    if (options->passive_box_scale != 0 && !(options->passive_box_scale >= 0.5f && options->passive_box_scale <= 3.0f)) {
        write_message(message, message_capacity, "passive_box_scale must be 0 (the default, 1.3) or between 0.5 and 3");
        return FC_BAD_ARGUMENT;
    }
    if (options->passive_box_scale > 0) limits.passive_box_scale = options->passive_box_scale;
    limits.mirror = options->mirror != 0;
    limits.cnn_fallback = options->cnn_fallback != 0;
    if (options->jitters < 0 || options->jitters > 100) {
        write_message(message, message_capacity, "jitters must be 0 to 100");
        return FC_BAD_ARGUMENT;
    }
    limits.jitters = int(options->jitters);
    return fastcert::guarded(message, message_capacity, "loading the models", [&] {
        configure_process();
        *out_engine = new fc_engine(options->model_directory, limits);
        return FC_OK;
    });
}

void fc_engine_destroy(fc_engine *engine) noexcept {
    delete engine;
}

fc_status fc_engine_analyze_frame(fc_engine *engine, const void *bytes, size_t length, const float *search_region,
                                  int32_t flags, fc_face *faces, int32_t faces_capacity,
                                  int32_t *faces_written, fc_image_info *info, fc_stage_timings *timings,
                                  char *message, size_t message_capacity) noexcept {
    if (faces_written != nullptr) *faces_written = 0;
    if (engine == nullptr || faces_written == nullptr || (bytes == nullptr && length > 0) || faces_capacity < 0 ||
        (faces_capacity > 0 && faces == nullptr)) {
        write_message(message, message_capacity,
                      "engine and faces_written are required; bytes may be NULL only for length 0, faces only for "
                      "capacity 0; faces_capacity must not be negative");
        return FC_BAD_ARGUMENT;
    }
    return fastcert::guarded(message, message_capacity, "analysing the image", [&] {
        fc_image_info local_info;
        fc_stage_timings local_timings;
        int written = 0;
        auto outcome = engine->pipeline.analyze(static_cast<const uint8_t *>(bytes), length, faces, faces_capacity, written,
                                                local_info, local_timings, search_region, (flags & FC_ANALYZE_EMBEDDING) != 0,
                                                (flags & FC_ANALYZE_PASSIVE) != 0, (flags & FC_ANALYZE_NO_CNN_FALLBACK) != 0);
        *faces_written = written;
        if (info != nullptr) *info = local_info;
        if (timings != nullptr) *timings = local_timings;
        if (!outcome.ok()) write_message(message, message_capacity, outcome.message.c_str());
        return outcome.status;
    });
}

fc_status fc_engine_passive_crop(fc_engine *engine, const uint8_t *bgr, size_t length, int32_t model, float *out, char *message,
                                 size_t message_capacity) noexcept {
    constexpr size_t expected = size_t(fastcert::PassiveModels::kSide) * fastcert::PassiveModels::kSide * 3;
    if (engine == nullptr || bgr == nullptr || out == nullptr || length != expected || model < 0 || model >= FC_PASSIVE_MODELS) {
        write_message(message, message_capacity, "engine, bgr (80x80x3 bytes) and out are required; model is 0 or 1");
        return FC_BAD_ARGUMENT;
    }
    return fastcert::guarded(message, message_capacity, "scoring the crop", [&] {
        cv::Mat crop(fastcert::PassiveModels::kSide, fastcert::PassiveModels::kSide, CV_8UC3, const_cast<uint8_t *>(bgr));
        engine->pipeline.passive().score_crop(model, crop, out);
        return FC_OK;
    });
}

}  // extern "C"
