// The face pipeline: detection on a reduced grey copy, landmarks and alignment on full-resolution
// pixels (so distances agree with dlib's reference pipeline), then the ResNet descriptor.
#include "internal/face_pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>

#include <dlib/opencv/cv_image.h>
#include <opencv2/imgproc.hpp>

namespace fastcert {
namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

template <typename Model>
void load_model(const std::string &directory, const char *file, Model &model) {
    std::string path = directory + "/" + file;
    if (!std::ifstream(path).good())
        throw ModelLoadError("model file " + path + " is missing or unreadable; run scripts/setup.sh to fetch the models");
    try {
        dlib::deserialize(path) >> model;
    } catch (const std::exception &error) {
        throw ModelLoadError("model file " + path + " is not a valid dlib model (" + error.what() +
                             "); delete it and run scripts/setup.sh again");
    }
}

// face_recognition's default: dlib's detector after upsampling the image once (2x).
constexpr double kReferenceScale = 2.0;
// A retry climbs this many pyramid levels: (6/5)^4, about 2x.
constexpr int kRetryLevels = 4;
// The largest scale the retries go up to: level -4, 2 x (6/5)^4 = 4.15x, a small crop upsampled ~4x.
constexpr int kLowestLevel = -4;
// Pixel budget of one detection pass: bounds the cost of a retry on a large image.
constexpr double kMaxDetectionPixels = 4.2e6;

constexpr double kPi = 3.14159265358979323846;
double degrees(double radians) { return radians * 180.0 / kPi; }

/**
 * The 5-point landmark model, loaded once per process and shared by every engine:
 * shape_predictor's prediction is const and keeps no state, and each copy costs ~11 MB.
 */
std::shared_ptr<const dlib::shape_predictor> shared_landmark_model(const std::string &directory) {
    static std::mutex mutex;
    static std::map<std::string, std::weak_ptr<const dlib::shape_predictor>> loaded;
    std::lock_guard<std::mutex> lock(mutex);
    if (auto model = loaded[directory].lock()) return model;
    auto model = std::make_shared<dlib::shape_predictor>();
    load_model(directory, "shape_predictor_5_face_landmarks.dat", *model);
    loaded[directory] = model;
    return model;
}

}  // namespace

FacePipeline::FacePipeline(const std::string &model_directory, EngineLimits limits)
    : limits_(limits), hog_(dlib::get_frontal_face_detector()) {
    landmarks_ = shared_landmark_model(model_directory);
    load_model(model_directory, "dlib_face_recognition_resnet_model_v1.dat", descriptor_);
    if (limits_.detector == FC_DETECTOR_CNN || limits_.cnn_fallback) {
        mmod_ = std::make_unique<networks::mmod_net>();
        load_model(model_directory, "mmod_human_face_detector.dat", *mmod_);
    }
    passive_ = std::make_unique<PassiveModels>(model_directory, limits_.passive_box_scale);
}

std::vector<FacePipeline::Detection> FacePipeline::detect_once(const cv::Mat &rgb, const cv::Mat &grey, double scale, bool cnn) {
    std::vector<Detection> found;
    // Exactly 2x is dlib's "upsample once": use its own pyramid_up and box mapping, as the reference
    // pipeline does, so that small photos get the very boxes the reference gets.
    const bool reference_upsample = scale == kReferenceScale;
    dlib::pyramid_down<2> pyramid;
    auto to_full = [&](const dlib::rectangle &r) {
        if (reference_upsample) return dlib::rectangle(pyramid.rect_down(r));
        // Pixel centres: x_full + 0.5 = (x_scaled + 0.5) / scale.
        auto back = [scale](long v) { return std::lround((v + 0.5) / scale - 0.5); };
        return dlib::rectangle(back(r.left()), back(r.top()), back(r.right()), back(r.bottom()));
    };
    const auto interpolation = scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR;
    if (cnn) {
        cv::Mat scaled = rgb;
        if (scale != 1.0 && !reference_upsample) cv::resize(rgb, scaled, cv::Size(), scale, scale, interpolation);
        dlib::matrix<dlib::rgb_pixel> input;
        if (reference_upsample) dlib::pyramid_up(dlib::cv_image<dlib::rgb_pixel>(scaled), input, pyramid);
        else dlib::assign_image(input, dlib::cv_image<dlib::rgb_pixel>(scaled));
        for (const auto &d : (*mmod_)(input)) found.push_back({to_full(d.rect), d.detection_confidence});
        return found;
    }
    // Grey of the whole image, then shrunk: measured faster than shrinking the colour image first.
    std::vector<dlib::rect_detection> detections;
    if (reference_upsample) {
        dlib::array2d<unsigned char> upsampled;
        dlib::pyramid_up(dlib::cv_image<unsigned char>(grey), upsampled, pyramid);
        hog_(upsampled, detections);
    } else if (scale == 1.0) {
        hog_(dlib::cv_image<unsigned char>(grey), detections);
    } else {
        cv::Mat scaled;
        cv::resize(grey, scaled, cv::Size(), scale, scale, interpolation);
        hog_(dlib::cv_image<unsigned char>(scaled), detections);
    }
    for (const auto &d : detections) found.push_back({to_full(d.rect), d.detection_confidence});
    return found;
}

std::vector<FacePipeline::Detection> FacePipeline::detect(const cv::Mat &rgb, fc_image_info &info, double frame_longest,
                                                          bool retry) {
    // dlib's HOG scanner searches a pyramid whose levels shrink by 5/6. dlib's reference pipeline
    // (face_recognition) upsamples once, so its levels sit at 2 x (5/6)^k of the original. Start our
    // pyramid on one of those levels, the largest within the detection size, so the boxes we find
    // (and so the landmarks and embeddings) agree with the reference.
    // A crop of a frame is scanned at the frame's scale (never enlarged because it is small).
    const double longest = frame_longest > 0 ? frame_longest : std::max(rgb.cols, rgb.rows);
    const double wanted = limits_.detection_size / longest;
    int level = std::max(0, int(std::ceil(std::log(kReferenceScale / wanted) / std::log(6.0 / 5.0) - 1e-9)));
    cv::Mat grey;
    if (limits_.detector == FC_DETECTOR_HOG) cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
    // When nothing is found, go up four pyramid levels (about 2x) and retry, up to four levels past
    // the reference's 2x and within a pixel budget, so small faces in large frames and faces in
    // small crops are not lost. Levels are counted, not multiplied, so level 0 is exactly 2x.
    for (int pass = 1;; pass++) {
        const double scale = kReferenceScale * std::pow(5.0 / 6.0, level);
        info.detection_passes = pass;
        info.detection_scale = float(scale);
        auto found = detect_once(rgb, grey, scale, limits_.detector == FC_DETECTOR_CNN);
        const int next = level - kRetryLevels;
        const double next_scale = kReferenceScale * std::pow(5.0 / 6.0, next);
        const bool can_retry =
            retry && next >= kLowestLevel && double(rgb.cols) * rgb.rows * next_scale * next_scale <= kMaxDetectionPixels;
        if (!found.empty() || !can_retry) return found;
        level = next;
    }
}

void FacePipeline::measure_quality(const dlib::full_object_detection &shape, const dlib::matrix<dlib::rgb_pixel> &chip,
                                   fc_face_quality &quality) const {
    // dlib's 5-point model: parts 0,1 are the corners of the eye on the image's right, 2,3 of the
    // eye on the image's left, 4 the base of the nose.
    auto mid = [&](int a, int b) {
        return dlib::dpoint((shape.part(a).x() + shape.part(b).x()) / 2.0, (shape.part(a).y() + shape.part(b).y()) / 2.0);
    };
    dlib::dpoint left_eye = mid(2, 3), right_eye = mid(0, 1), nose(shape.part(4).x(), shape.part(4).y());
    dlib::dpoint axis = right_eye - left_eye;
    double eye_distance = std::max(1e-6, dlib::length(axis));
    quality.inter_eye_pixels = float(eye_distance);
    quality.roll_degrees = float(degrees(std::atan2(-axis.y(), axis.x())));

    // A small head model in inter-eye units: eyes at x = +-0.5, nose base 0.70 below the eye line
    // and 0.45 in front of it. Turning the head moves the nose's projection along and across the
    // eye line; invert that for yaw and pitch. Coarse (+-10 degrees), enough to say "face the camera".
    dlib::dpoint unit = axis / eye_distance, normal(-unit.y(), unit.x());
    dlib::dpoint from_mid = nose - (left_eye + right_eye) / 2.0;
    double along = dlib::dot(from_mid, unit) / eye_distance;
    double across = dlib::dot(from_mid, normal) / eye_distance;
    constexpr double depth = 0.45, drop = 0.70;
    quality.yaw_degrees = float(degrees(std::atan2(along, depth)));
    const double radius = std::hypot(drop, depth), phase = std::atan2(depth, drop);
    quality.pitch_degrees = float(degrees(std::acos(std::clamp(across / radius, -1.0, 1.0)) - phase));

    cv::Mat chip_rgb(int(chip.nr()), int(chip.nc()), CV_8UC3, const_cast<dlib::rgb_pixel *>(&chip(0, 0)));
    cv::Mat chip_grey, laplacian;
    cv::cvtColor(chip_rgb, chip_grey, cv::COLOR_RGB2GRAY);
    cv::Laplacian(chip_grey, laplacian, CV_64F);
    cv::Scalar mean, deviation;
    cv::meanStdDev(laplacian, mean, deviation);
    quality.sharpness = float(deviation[0] * deviation[0]);
    cv::meanStdDev(chip_grey, mean, deviation);
    quality.brightness = float(mean[0]);
    quality.contrast = float(deviation[0]);
}

Outcome FacePipeline::analyze(const uint8_t *bytes, size_t length, fc_face *faces, int capacity, int &written,
                              fc_image_info &info, fc_stage_timings &timings, const float *search_region, bool embed,
                              bool passive, bool no_cnn_fallback) {
    written = 0;
    info = fc_image_info{};
    timings = fc_stage_timings{};
    auto start = Clock::now();
    ImageHeader header;
    Outcome outcome = read_header(bytes, length, limits_.max_bytes, limits_.max_pixels, header);
    info.format = header.format;
    if (!outcome.ok()) return outcome;
    info.exif_orientation = header.orientation;
    cv::Mat rgb;
    outcome = decode_rgb(bytes, length, header, limits_.max_pixels, rgb);
    if (!outcome.ok()) return outcome;
    info.width = rgb.cols;
    info.height = rgb.rows;
    timings.decode_ms = milliseconds_since(start);

    start = Clock::now();
    std::vector<Detection> detections;
    const bool video = search_region != nullptr && search_region[2] > 0 && search_region[3] > 0;
    if (video) {
        // Where the face was a moment ago (video): search a margin around it first, the whole
        // frame only if it is not there.
        double mx = search_region[2] * 0.6, my = search_region[3] * 0.6;
        cv::Rect roi = cv::Rect(int(search_region[0] - mx), int(search_region[1] - my), int(search_region[2] + 2 * mx),
                                int(search_region[3] + 2 * my)) & cv::Rect(0, 0, rgb.cols, rgb.rows);
        if (roi.width >= 32 && roi.height >= 32) {
            detections = detect(rgb(roi).clone(), info, std::max(rgb.cols, rgb.rows), false);
            for (auto &d : detections) d.box = dlib::translate_rect(d.box, roi.x, roi.y);
        }
    }
    // A video frame's face is as large as in the frame before: no enlarged retries (a head turned
    // out of the detector's reach would cost them all, ~150 ms, for nothing).
    if (detections.empty()) detections = detect(rgb, info, 0, !video);
    // A still photo (not a video frame, even a session's first, which has no search region: the
    // caller says so) in which HOG found nothing: the CNN, which finds more poses, once.
    if (detections.empty() && !video && !no_cnn_fallback && limits_.cnn_fallback && limits_.detector == FC_DETECTOR_HOG) {
        const double longest = std::max(rgb.cols, rgb.rows);
        // The reference's 2x for small photos, else the detection size.
        detections = detect_once(rgb, cv::Mat(),
                                 longest * kReferenceScale <= 2 * limits_.detection_size
                                     ? kReferenceScale
                                     : std::min(1.0, 2.0 * limits_.detection_size / longest),
                                 true);
        info.detection_passes += 1;
    }
    timings.detect_ms = milliseconds_since(start);
    info.faces_found = int(detections.size());
    if (detections.empty())
        return Outcome::failure(FC_NO_FACE, "no face found in the photo; face the camera in good light, and fill more of the frame");

    // Largest visible part first (a box running past the frame's edge is a face cut off, often
    // someone behind: its area outside the image does not count); on a tie, nearest the centre.
    const dlib::dpoint centre(rgb.cols / 2.0, rgb.rows / 2.0);
    const dlib::rectangle frame(0, 0, rgb.cols - 1, rgb.rows - 1);
    auto visible = [&](const Detection &d) { return d.box.intersect(frame).area(); };
    auto off_centre = [&](const Detection &d) { return dlib::length(dlib::center(d.box) - centre); };
    std::stable_sort(detections.begin(), detections.end(), [&](const Detection &a, const Detection &b) {
        if (visible(a) != visible(b)) return visible(a) > visible(b);
        return off_centre(a) < off_centre(b);
    });
    // The photo's subject is the face it is framed on: of the faces at least half as large as the
    // largest, the one nearest the centre comes first (a relative beside, a bystander behind).
    if (detections.size() > 1) {
        auto subject = detections.begin();
        for (auto it = detections.begin() + 1; it != detections.end(); ++it)
            if (2 * visible(*it) >= visible(detections.front()) && off_centre(*it) < off_centre(*subject)) subject = it;
        std::rotate(detections.begin(), subject, subject + 1);
    }
    const int count = std::min<int>(capacity, int(detections.size()));

    start = Clock::now();
    dlib::cv_image<dlib::rgb_pixel> image(rgb);
    std::vector<dlib::full_object_detection> shapes;
    std::vector<dlib::chip_details> chip_regions;
    for (int i = 0; i < count; i++) {
        shapes.push_back((*landmarks_)(image, detections[i].box));
        chip_regions.push_back(dlib::get_face_chip_details(shapes.back(), 150, 0.25));
    }
    dlib::array<dlib::matrix<dlib::rgb_pixel>> chip_array;
    dlib::extract_image_chips(image, chip_regions, chip_array);
    std::vector<dlib::matrix<dlib::rgb_pixel>> chips(chip_array.begin(), chip_array.end());
    timings.landmarks_ms = milliseconds_since(start);

    start = Clock::now();
    std::vector<dlib::matrix<float, 0, 1>> descriptors;
    if (embed && limits_.jitters > 1) {
        // dlib's jitter (face_recognition's num_jitters): random small crops, rotations and flips of
        // each chip, their descriptors averaged. A random source of the image's own, so an image
        // always gets the same embedding.
        dlib::rand jitter_random;
        for (const auto &chip : chips) {
            std::vector<dlib::matrix<dlib::rgb_pixel>> copies;
            copies.reserve(size_t(limits_.jitters));
            for (int j = 0; j < limits_.jitters; j++) copies.push_back(dlib::jitter_image(chip, jitter_random));
            auto each = descriptor_(copies, 16);
            dlib::matrix<float, 0, 1> mean = each[0];
            for (size_t j = 1; j < each.size(); j++) mean += each[j];
            descriptors.push_back(mean / float(each.size()));
        }
    } else if (embed && limits_.mirror) {
        // Each chip and its mirror image in one batch; the descriptor is their mean.
        std::vector<dlib::matrix<dlib::rgb_pixel>> both;
        both.reserve(2 * chips.size());
        for (const auto &chip : chips) {
            both.push_back(chip);
            both.push_back(dlib::fliplr(chip));
        }
        auto pair = descriptor_(both, 16);
        for (size_t i = 0; i < chips.size(); i++) descriptors.push_back((pair[2 * i] + pair[2 * i + 1]) * 0.5f);
    } else if (embed) {
        descriptors = descriptor_(chips, 16);
    }
    timings.embed_ms = milliseconds_since(start);

    for (int i = 0; i < count; i++) {
        fc_face &face = faces[i];
        face = fc_face{};
        const auto &box = detections[i].box;
        face.left = float(box.left());
        face.top = float(box.top());
        face.width = float(box.width());
        face.height = float(box.height());
        face.score = float(detections[i].score);
        for (int p = 0; p < FC_LANDMARK_COUNT; p++) {
            face.landmarks[2 * p] = float(shapes[i].part(p).x());
            face.landmarks[2 * p + 1] = float(shapes[i].part(p).y());
        }
        measure_quality(shapes[i], chips[i], face.quality);
        if (embed)
            for (int d = 0; d < FC_EMBEDDING_DIMENSIONS; d++) face.embedding[d] = descriptors[i](d);
        for (int m = 0; m < FC_PASSIVE_MODELS; m++) face.passive_real[m] = -1;
    }
    if (passive && count > 0) {  // the primary face only: the one a verification is about
        start = Clock::now();
        const auto &box = detections[0].box;
        passive_->score(rgb, cv::Rect2f(float(box.left()), float(box.top()), float(box.width()), float(box.height())),
                       faces[0].passive_real);
        timings.passive_ms = milliseconds_since(start);
    }
    written = count;
    return {};
}

}  // namespace fastcert
