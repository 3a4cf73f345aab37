// A frame's content fingerprint, for the liveness replay check: what the decoded picture shows,
// not the file's bytes. Bytes appended after the image, changed metadata or a re-encoding leave the
// picture as it was (or all but), so they leave the fingerprint as it was (or within a few bits).
#include <cstring>
#include <vector>

#include <dlib/md5.h>
#include <opencv2/imgproc.hpp>

#include "fastcert_bridge.h"
#include "internal/boundary.hpp"
#include "internal/image_decode.hpp"

extern "C" fc_status fc_frame_fingerprint(const void *bytes, size_t length, uint64_t max_pixels, fc_fingerprint *out,
                                          char *message, size_t message_capacity) noexcept {
    if ((bytes == nullptr && length > 0) || out == nullptr) {
        fastcert::write_message(message, message_capacity, "out is required; bytes may be NULL only for length 0");
        return FC_BAD_ARGUMENT;
    }
    return fastcert::guarded(message, message_capacity, "fingerprinting the frame", [&] {
        const auto *data = static_cast<const uint8_t *>(bytes);
        const uint64_t pixels_cap = max_pixels ? max_pixels : 50000000ull;
        fastcert::ImageHeader header;
        auto outcome = fastcert::read_header(data, length, 64ull << 20, pixels_cap, header);
        cv::Mat rgb;
        if (outcome.ok()) outcome = fastcert::decode_rgb(data, length, header, pixels_cap, rgb);
        if (!outcome.ok()) {
            fastcert::write_message(message, message_capacity, outcome.message.c_str());
            return outcome.status;
        }
        cv::Mat grey;
        cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
        std::memset(out, 0, sizeof(*out));
        out->width = grey.cols;
        out->height = grey.rows;
        // The exact digest: the size, then the grey pixels row by row (a continuous copy, so rows
        // are hashed without their padding).
        cv::Mat packed = grey.isContinuous() ? grey : grey.clone();
        std::vector<unsigned char> buffer(8 + packed.total());
        const int32_t size[2] = {grey.cols, grey.rows};
        std::memcpy(buffer.data(), size, sizeof size);
        std::memcpy(buffer.data() + 8, packed.data, packed.total());
        dlib::md5(buffer.data(), buffer.size(), out->pixel_digest);
        // The difference hash: the grey image averaged down to 17x16 cells (INTER_AREA), one bit a
        // cell pair, set when a cell is darker than its right-hand neighbour; row-major, the first
        // bit the most significant of the first byte.
        cv::Mat cells;
        cv::resize(grey, cells, cv::Size(FC_FINGERPRINT_SIDE + 1, FC_FINGERPRINT_SIDE), 0, 0, cv::INTER_AREA);
        for (int row = 0; row < FC_FINGERPRINT_SIDE; row++) {
            const uint8_t *cell = cells.ptr<uint8_t>(row);
            for (int column = 0; column < FC_FINGERPRINT_SIDE; column++) {
                int bit = row * FC_FINGERPRINT_SIDE + column;
                if (cell[column + 1] > cell[column]) out->difference_hash[bit / 8] |= uint8_t(0x80u >> (bit % 8));
            }
        }
        return FC_OK;
    });
}
