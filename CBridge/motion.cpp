// Liveness geometry: how the pixels of a face move between two frames. A flat photo or a screen,
// however it is tilted or moved, maps frame to frame by one homography; a turning head shows
// parallax (and self-occlusion), so its tracked points do not fit one.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "fastcert_bridge.h"
#include "internal/boundary.hpp"
#include "internal/image_decode.hpp"

namespace {

using fastcert::write_message;

fastcert::Outcome grey(const uint8_t *bytes, size_t length, uint64_t max_pixels, cv::Mat &out) {
    fastcert::ImageHeader header;
    auto outcome = fastcert::read_header(bytes, length, 64ull << 20, max_pixels, header);
    if (!outcome.ok()) return outcome;
    cv::Mat rgb;
    outcome = fastcert::decode_rgb(bytes, length, header, max_pixels, rgb);
    if (!outcome.ok()) return outcome;
    cv::cvtColor(rgb, out, cv::COLOR_RGB2GRAY);
    return outcome;
}

}  // namespace

extern "C" fc_status fc_motion_between(const void *first, size_t first_length, const void *second,
                                       size_t second_length, uint64_t max_pixels, const float *box, fc_motion *out,
                                       char *message, size_t message_capacity) noexcept {
    if ((first == nullptr && first_length > 0) || (second == nullptr && second_length > 0) || box == nullptr ||
        out == nullptr) {
        write_message(message, message_capacity, "box and out are required; a frame may be NULL only for length 0");
        return FC_BAD_ARGUMENT;
    }
    return fastcert::guarded(message, message_capacity, "measuring motion", [&] {
        cv::Mat a, b;
        auto outcome = grey(static_cast<const uint8_t *>(first), first_length, max_pixels ? max_pixels : 50000000ull, a);
        if (outcome.ok()) outcome = grey(static_cast<const uint8_t *>(second), second_length, max_pixels ? max_pixels : 50000000ull, b);
        if (!outcome.ok()) {
            write_message(message, message_capacity, outcome.message.c_str());
            return outcome.status;
        }
        if (a.size() != b.size()) {
            write_message(message, message_capacity, "the frames differ in size: send every frame from the same camera setting");
            return FC_BAD_ARGUMENT;
        }
        std::memset(out, 0, sizeof(*out));
        cv::Mat small_a, small_b, difference;
        double scale = 160.0 / a.cols;
        cv::resize(a, small_a, cv::Size(), scale, scale, cv::INTER_AREA);
        cv::resize(b, small_b, cv::Size(), scale, scale, cv::INTER_AREA);
        cv::absdiff(small_a, small_b, difference);
        out->frame_difference = float(cv::mean(difference)[0]);

        cv::Rect face = cv::Rect(int(box[0]), int(box[1]), int(box[2]), int(box[3])) & cv::Rect(0, 0, a.cols, a.rows);
        if (face.area() < 16 * 16) return FC_OK;
        cv::Mat mask = cv::Mat::zeros(a.size(), CV_8UC1);
        mask(face).setTo(255);
        std::vector<cv::Point2f> corners;
        cv::goodFeaturesToTrack(a, corners, 300, 0.01, std::max(3.0, face.width / 40.0), mask);
        out->corners = int32_t(corners.size());
        if (corners.size() < 8) return FC_OK;
        std::vector<cv::Point2f> moved;
        std::vector<unsigned char> status;
        std::vector<float> error;
        cv::calcOpticalFlowPyrLK(a, b, corners, moved, status, error, cv::Size(21, 21), 3);
        std::vector<cv::Point2f> from, to;
        for (size_t i = 0; i < corners.size(); i++) {
            if (status[i] && moved[i].x >= 0 && moved[i].y >= 0 && moved[i].x < b.cols && moved[i].y < b.rows) {
                from.push_back(corners[i]);
                to.push_back(moved[i]);
            }
        }
        out->tracked = int32_t(from.size());
        if (from.size() < 8) return FC_OK;
        std::vector<unsigned char> inliers;
        cv::Mat homography = cv::findHomography(from, to, cv::RANSAC, 1.5, inliers, 2000, 0.995);
        if (homography.empty()) return FC_OK;
        out->planar_share = float(std::count(inliers.begin(), inliers.end(), 1)) / float(from.size());
        return FC_OK;
    });
}

extern "C" fc_status fc_screen_border(const void *frame, size_t length, uint64_t max_pixels, const float *box,
                                      int32_t *found, char *message, size_t message_capacity) noexcept {
    if ((frame == nullptr && length > 0) || box == nullptr || found == nullptr) {
        write_message(message, message_capacity, "box and found are required; frame may be NULL only for length 0");
        return FC_BAD_ARGUMENT;
    }
    *found = 0;
    return fastcert::guarded(message, message_capacity, "looking for a screen border", [&] {
        cv::Mat grey;
        auto outcome = ::grey(static_cast<const uint8_t *>(frame), length, max_pixels ? max_pixels : 50000000ull, grey);
        if (!outcome.ok()) {
            write_message(message, message_capacity, outcome.message.c_str());
            return outcome.status;
        }
        double scale = 320.0 / grey.cols;
        cv::Mat small, edges;
        cv::resize(grey, small, cv::Size(), scale, scale, cv::INTER_AREA);
        cv::GaussianBlur(small, small, cv::Size(3, 3), 0);
        cv::Canny(small, edges, 40, 120);
        cv::dilate(edges, edges, cv::Mat());
        std::vector<std::vector<cv::Point>> contours;
        cv::findContours(edges, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);
        cv::Rect2d face(box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale);
        double face_area = face.area();
        if (face_area < 16) return FC_OK;
        double margin = 0.08 * face.width;
        std::vector<cv::Point2f> corners = {{float(face.x - margin), float(face.y - margin)},
                                            {float(face.x + face.width + margin), float(face.y - margin)},
                                            {float(face.x + face.width + margin), float(face.y + face.height + margin)},
                                            {float(face.x - margin), float(face.y + face.height + margin)}};
        for (const auto &contour : contours) {
            double perimeter = cv::arcLength(contour, true);
            if (perimeter < 2 * (face.width + face.height)) continue;
            std::vector<cv::Point> quad;
            cv::approxPolyDP(contour, quad, 0.03 * perimeter, true);
            if (quad.size() != 4 || !cv::isContourConvex(quad)) continue;
            double area = cv::contourArea(quad);
            if (area < 2 * face_area || area > 12 * face_area) continue;
            bool right_angles = true;
            for (int i = 0; i < 4; i++) {
                cv::Point2f a = quad[i], b = quad[(i + 1) % 4], c = quad[(i + 2) % 4];
                cv::Point2f u = a - b, v = c - b;
                double cosine = (u.x * v.x + u.y * v.y) / (std::hypot(u.x, u.y) * std::hypot(v.x, v.y) + 1e-9);
                if (std::abs(cosine) > 0.3) right_angles = false;
            }
            if (!right_angles) continue;
            bool encloses = true;
            for (const auto &corner : corners)
                if (cv::pointPolygonTest(quad, corner, false) <= 0) encloses = false;
            if (encloses) {
                *found = 1;
                return FC_OK;
            }
        }
        return FC_OK;
    });
}
