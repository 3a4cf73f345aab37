// Internal: the face pipeline one engine runs: detect -> landmarks -> align -> embed -> quality.
#pragma once

#include <memory>
#include <vector>

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <opencv2/core.hpp>

#include "fastcert_bridge.h"
#include "internal/face_networks.hpp"
#include "internal/image_decode.hpp"
#include "internal/passive.hpp"

namespace fastcert {

/** Engine limits after defaults are applied. */
struct EngineLimits {
    uint64_t max_bytes = 20ull << 20;
    uint64_t max_pixels = 50'000'000;
    int detection_size = 480;
    fc_detector detector = FC_DETECTOR_HOG;
    double passive_box_scale = 1.3;
    /** Each descriptor the mean of the aligned chip's and its mirror image's. */
    bool mirror = false;
    /** When the HOG detector finds no face in a photo, the MMOD CNN detector looks once more. */
    bool cnn_fallback = false;
    /** Over 1: each descriptor the mean of this many randomly jittered copies of the chip (dlib's). */
    int jitters = 0;
};

/** Models loaded once; not safe for concurrent use (dlib networks hold per-call buffers). */
class FacePipeline {
public:
    /** Loads every model from the folder; throws ModelLoadError with a readable message. */
    FacePipeline(const std::string &model_directory, EngineLimits limits);

    /** Runs the whole pipeline on encoded bytes. Never throws for bad input: returns an Outcome. A
        video frame (a search region) or `no_cnn_fallback` is never searched by the CNN fallback. */
    Outcome analyze(const uint8_t *bytes, size_t length, fc_face *faces, int capacity, int &written,
                    fc_image_info &info, fc_stage_timings &timings, const float *search_region = nullptr,
                    bool embed = true, bool passive = false, bool no_cnn_fallback = false);

    /** The passive models, for the converter's check. */
    PassiveModels &passive() { return *passive_; }

private:
    struct Detection {
        dlib::rectangle box;  // in full-resolution oriented coordinates
        double score;
    };

    std::vector<Detection> detect(const cv::Mat &rgb, fc_image_info &info, double frame_longest = 0, bool retry = true);
    /** One detector pass at `scale`: the MMOD CNN when `cnn`, else HOG on `grey`. */
    std::vector<Detection> detect_once(const cv::Mat &rgb, const cv::Mat &grey, double scale, bool cnn);
    void measure_quality(const dlib::full_object_detection &shape, const dlib::matrix<dlib::rgb_pixel> &chip,
                         fc_face_quality &quality) const;

    EngineLimits limits_;
    dlib::frontal_face_detector hog_;
    std::shared_ptr<const dlib::shape_predictor> landmarks_;  // shared by every engine of the process
    networks::descriptor_net descriptor_;
    std::unique_ptr<networks::mmod_net> mmod_;
    std::unique_ptr<PassiveModels> passive_;  // loaded after the dlib models (their errors first)
};

/** Thrown by the FacePipeline constructor; caught at the C boundary. */
struct ModelLoadError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace fastcert
