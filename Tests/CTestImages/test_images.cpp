#include "ctest_images.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace {

cv::Mat decode(const uint8_t *image, size_t length) {
    cv::Mat encoded(1, int(length), CV_8UC1, const_cast<uint8_t *>(image));
    return cv::imdecode(encoded, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
}

size_t encode(const cv::Mat &pixels, uint8_t *out, size_t capacity, int quality = 95) {
    std::vector<uint8_t> jpeg;
    if (!cv::imencode(".jpg", pixels, jpeg, {cv::IMWRITE_JPEG_QUALITY, quality}) || jpeg.size() > capacity) return 0;
    std::memcpy(out, jpeg.data(), jpeg.size());
    return jpeg.size();
}

}  // namespace

extern "C" size_t ctest_reencode_jpeg(const uint8_t *image, size_t length, int quality, uint8_t *out, size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty() || quality < 1 || quality > 100) return 0;
        return encode(pixels, out, capacity, quality);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_crop_to_jpeg(const uint8_t *image, size_t length, int x, int y, int width, int height,
                                     uint8_t *out, size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty()) return 0;
        cv::Rect region = cv::Rect(x, y, width, height) & cv::Rect(0, 0, pixels.cols, pixels.rows);
        if (region.empty()) return 0;
        return encode(pixels(region), out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_paste_to_jpeg(const uint8_t *base, size_t base_length, const uint8_t *pasted,
                                      size_t pasted_length, double scale, int x, int y, uint8_t *out, size_t capacity) {
    try {
        cv::Mat canvas = decode(base, base_length), piece = decode(pasted, pasted_length);
        if (canvas.empty() || piece.empty() || !(scale > 0)) return 0;
        cv::resize(piece, piece, cv::Size(), scale, scale, cv::INTER_AREA);
        cv::Rect target = cv::Rect(x, y, piece.cols, piece.rows) & cv::Rect(0, 0, canvas.cols, canvas.rows);
        if (target.empty()) return 0;
        piece(cv::Rect(target.x - x, target.y - y, target.width, target.height)).copyTo(canvas(target));
        return encode(canvas, out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_rotate_to_jpeg(const uint8_t *image, size_t length, int quarter_turns, uint8_t *out,
                                       size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty()) return 0;
        cv::Mat rotated;
        switch (((quarter_turns % 4) + 4) % 4) {
        case 1: cv::rotate(pixels, rotated, cv::ROTATE_90_CLOCKWISE); break;
        case 2: cv::rotate(pixels, rotated, cv::ROTATE_180); break;
        case 3: cv::rotate(pixels, rotated, cv::ROTATE_90_COUNTERCLOCKWISE); break;
        default: rotated = pixels;
        }
        return encode(rotated, out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_degrade_to_jpeg(const uint8_t *image, size_t length, int kind, uint8_t *out, size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty()) return 0;
        cv::Mat degraded;
        switch (kind) {
        case 0: pixels.convertTo(degraded, -1, 0.2, 0); break;
        case 1: cv::GaussianBlur(pixels, degraded, cv::Size(0, 0), 8); break;
        case 2: cv::resize(pixels, degraded, cv::Size(pixels.cols / 12, pixels.rows / 12), 0, 0, cv::INTER_AREA); break;
        case 3: {
            cv::Point2f centre(pixels.cols / 2.0f, pixels.rows / 2.0f);
            cv::Mat rotation = cv::getRotationMatrix2D(centre, 40, 1.0);
            cv::Rect2f bounds = cv::RotatedRect(cv::Point2f(), pixels.size(), 40).boundingRect2f();
            rotation.at<double>(0, 2) += bounds.width / 2.0 - pixels.cols / 2.0;
            rotation.at<double>(1, 2) += bounds.height / 2.0 - pixels.rows / 2.0;
            cv::warpAffine(pixels, degraded, rotation, bounds.size());
            break;
        }
        default: return 0;
        }
        return encode(degraded, out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_tilt_print_to_jpeg(const uint8_t *image, size_t length, double yaw_degrees, double pitch_degrees,
                                           int dx, int dy, uint8_t *out, size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty()) return 0;
        // The print's corners in 3D (centred, z = 0), turned, then seen by a pinhole camera whose
        // focal length is the image width, at a distance of one focal length.
        double w = pixels.cols, h = pixels.rows, f = w;
        double yaw = yaw_degrees * CV_PI / 180, pitch = pitch_degrees * CV_PI / 180;
        std::vector<cv::Point2f> from = {{0, 0}, {float(w), 0}, {float(w), float(h)}, {0, float(h)}}, to;
        for (auto corner : from) {
            double x = corner.x - w / 2, y = corner.y - h / 2, z = 0;
            double x1 = x * std::cos(yaw) + z * std::sin(yaw), z1 = -x * std::sin(yaw) + z * std::cos(yaw);
            double y2 = y * std::cos(pitch) - z1 * std::sin(pitch), z2 = y * std::sin(pitch) + z1 * std::cos(pitch);
            double scale = f / (f + z2);
            to.emplace_back(float(x1 * scale + w / 2 + dx), float(y2 * scale + h / 2 + dy));
        }
        cv::Mat warped;
        cv::warpPerspective(pixels, warped, cv::getPerspectiveTransform(from, to), pixels.size(), cv::INTER_LINEAR,
                            cv::BORDER_CONSTANT, cv::Scalar(40, 40, 40));
        return encode(warped, out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_turn_head_to_jpeg(const uint8_t *image, size_t length, double cx, double cy, double radius,
                                          double nose_x, double nose_y, double yaw_degrees, int dx, uint8_t *out,
                                          size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty() || radius <= 0) return 0;
        double yaw = yaw_degrees * CV_PI / 180, c = std::cos(yaw), s = std::sin(yaw);
        double ry = radius * 1.35;  // the head is taller than wide
        cv::Mat rendered = pixels.clone();
        cv::Mat depth(pixels.size(), CV_64F, cv::Scalar(-1e9));
        double nose_sigma = radius * 0.18, nose_height = radius * 0.45;
        for (int y = 0; y < pixels.rows; y++) {
            for (int x = 0; x < pixels.cols; x++) {
                double u = (x - cx) / radius, v = (y - cy) / ry;
                double inside = 1 - u * u - v * v;
                if (inside <= 0) continue;
                double z = radius * std::sqrt(inside);
                double nx = x - nose_x, ny = y - nose_y;
                z += nose_height * std::exp(-(nx * nx + ny * ny) / (2 * nose_sigma * nose_sigma));
                double x2 = cx + (x - cx) * c + z * s + dx, z2 = -(x - cx) * s + z * c;
                for (int k = 0; k < 2; k++) {  // splat to the two nearest columns: no cracks
                    int tx = int(std::floor(x2)) + k;
                    if (tx < 0 || tx >= pixels.cols) continue;
                    if (z2 > depth.at<double>(y, tx)) {
                        depth.at<double>(y, tx) = z2;
                        rendered.at<cv::Vec3b>(y, tx) = pixels.at<cv::Vec3b>(y, x);
                    }
                }
            }
        }
        return encode(rendered, out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_phone_screen_to_jpeg(const uint8_t *image, size_t length, int phone_width, int x, int y, uint8_t *out,
                                             size_t capacity) {
    try {
        cv::Mat photo = decode(image, length);
        if (photo.empty() || phone_width < 40) return 0;
        cv::Mat frame(480, 640, CV_8UC3);
        for (int row = 0; row < frame.rows; row++) frame.row(row).setTo(cv::Scalar(90 + row / 20, 100 + row / 15, 110 + row / 12));
        const int bezel = std::max(4, phone_width / 22), height = phone_width * 154 / 100;
        const int screen_w = phone_width - 2 * bezel, screen_h = height - 5 * bezel;
        cv::Mat screen;
        const double scale = double(screen_w) / photo.cols;
        cv::resize(photo, screen, cv::Size(screen_w, std::max(1, int(photo.rows * scale))), 0, 0, cv::INTER_AREA);
        screen = screen(cv::Rect(0, 0, screen_w, std::min(screen.rows, screen_h))).clone();
        screen.convertTo(screen, -1, 0.9, 12);  // a screen's lifted blacks
        cv::add(screen, cv::Scalar(18, 6, 0), screen);  // and its blue cast (BGR)
        cv::GaussianBlur(screen, screen, cv::Size(3, 3), 0.6);
        cv::Mat phone(height, phone_width, CV_8UC3, cv::Scalar(18, 15, 15));
        screen.copyTo(phone(cv::Rect(bezel, 2 * bezel, screen.cols, screen.rows)));
        cv::Rect place = cv::Rect(x, y, phone.cols, phone.rows) & cv::Rect(0, 0, frame.cols, frame.rows);
        if (place.empty()) return 0;
        phone(cv::Rect(place.x - x, place.y - y, place.width, place.height)).copyTo(frame(place));
        return encode(frame, out, capacity);
    } catch (...) {
        return 0;
    }
}

extern "C" size_t ctest_jpeg_to_i420(const uint8_t *image, size_t length, double cx, double cy, double fraction,
                                     int out_width, int out_height, uint8_t *out, size_t capacity) {
    try {
        cv::Mat pixels = decode(image, length);
        if (pixels.empty() || out_width < 2 || out_height < 2 || (out_width | out_height) & 1) return 0;
        if (!(fraction > 0.05 && fraction <= 1)) return 0;
        // A rectangle of the output's shape, `fraction` of the largest that fits, centred on (cx, cy)
        // as far as the image allows, scaled to the output.
        double scale = fraction * std::min(double(pixels.cols) / out_width, double(pixels.rows) / out_height);
        int w = int(out_width * scale), h = int(out_height * scale);
        int x = std::clamp(int(cx - w / 2.0), 0, pixels.cols - w), y = std::clamp(int(cy - h / 2.0), 0, pixels.rows - h);
        cv::Mat framed;
        cv::resize(pixels(cv::Rect(x, y, w, h)), framed, cv::Size(out_width, out_height), 0, 0, cv::INTER_AREA);
        cv::Mat yuv;
        cv::cvtColor(framed, yuv, cv::COLOR_BGR2YUV_I420);
        size_t size = yuv.total() * yuv.elemSize();
        if (size > capacity) return 0;
        std::memcpy(out, yuv.data, size);
        return size;
    } catch (...) {
        return 0;
    }
}
