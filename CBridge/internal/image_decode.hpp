// Internal: reads an image's header without decoding it, and decodes it to oriented 8-bit RGB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "fastcert_bridge.h"

namespace fastcert {

/** What the header says, learnt without decoding pixels. */
struct ImageHeader {
    fc_format format = FC_FORMAT_UNKNOWN;
    uint32_t stored_width = 0;   // as stored, before EXIF orientation
    uint32_t stored_height = 0;
    int orientation = 1;         // EXIF orientation, 1...8
};

/** A status and the sentence that explains it. */
struct Outcome {
    fc_status status = FC_OK;
    std::string message;
    bool ok() const { return status == FC_OK; }
    static Outcome failure(fc_status status, std::string message) { return {status, std::move(message)}; }
};

/** Identifies the format and reads dimensions and orientation; refuses what is over the caps. */
Outcome read_header(const uint8_t *bytes, size_t length, uint64_t max_bytes, uint64_t max_pixels,
                    ImageHeader &header);

/** Decodes to 8-bit RGB and applies the EXIF orientation. Call read_header first. */
Outcome decode_rgb(const uint8_t *bytes, size_t length, const ImageHeader &header, uint64_t max_pixels,
                   cv::Mat &rgb);

}  // namespace fastcert
