#include "ctest_images.h"

#include <cstring>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {

cv::Mat decode(const uint8_t *image, size_t length) {
    cv::Mat encoded(1, int(length), CV_8UC1, const_cast<uint8_t *>(image));
    return cv::imdecode(encoded, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
}

size_t encode(const cv::Mat &pixels, uint8_t *out, size_t capacity) {
    std::vector<uint8_t> jpeg;
    if (!cv::imencode(".jpg", pixels, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}) || jpeg.size() > capacity) return 0;
    std::memcpy(out, jpeg.data(), jpeg.size());
    return jpeg.size();
}

}  // namespace

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
