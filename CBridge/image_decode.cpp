// Header sniffing (format, size, EXIF orientation) and decoding to oriented RGB.
// Every read below is bounds-checked: the bytes come from the network.
#include "internal/image_decode.hpp"

#include <cstring>

#include <dlib/image_loader/png_loader.h>
#include <dlib/pixel.h>
#include <opencv2/imgproc.hpp>

#include "internal/jpeg_reader.h"

namespace fastcert {
namespace {

uint16_t be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

bool starts_with(const uint8_t *bytes, size_t length, const char *magic, size_t magic_length, size_t at = 0) {
    return length >= at + magic_length && std::memcmp(bytes + at, magic, magic_length) == 0;
}

/** Orientation tag (0x0112) from a TIFF block inside an APP1 "Exif" segment; 1 when absent or odd. */
int exif_orientation(const uint8_t *tiff, size_t length) {
    if (length < 8) return 1;
    bool little = tiff[0] == 'I' && tiff[1] == 'I';
    bool big = tiff[0] == 'M' && tiff[1] == 'M';
    if (!little && !big) return 1;
    auto u16 = [&](size_t at) -> uint32_t {
        return little ? uint32_t(tiff[at] | tiff[at + 1] << 8) : be16(tiff + at);
    };
    auto u32 = [&](size_t at) -> uint32_t {
        return little ? uint32_t(tiff[at]) | uint32_t(tiff[at + 1]) << 8 | uint32_t(tiff[at + 2]) << 16 |
                            uint32_t(tiff[at + 3]) << 24
                      : be32(tiff + at);
    };
    if (u16(2) != 42) return 1;
    size_t ifd = u32(4);
    if (ifd > length || length - ifd < 2) return 1;
    size_t entries = u16(ifd);
    for (size_t i = 0; i < entries; i++) {
        size_t entry = ifd + 2 + i * 12;
        if (entry > length || length - entry < 12) return 1;
        if (u16(entry) == 0x0112) {
            uint32_t value = u16(entry + 8);
            return value >= 1 && value <= 8 ? int(value) : 1;
        }
    }
    return 1;
}

Outcome read_jpeg_header(const uint8_t *bytes, size_t length, ImageHeader &header) {
    size_t at = 2;
    while (at + 4 <= length) {
        if (bytes[at] != 0xFF) return Outcome::failure(FC_UNDECODABLE_IMAGE, "corrupt JPEG: marker expected");
        uint8_t marker = bytes[at + 1];
        if (marker == 0xFF) { at++; continue; }  // fill byte
        at += 2;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length field
        if (marker == 0xD9 || marker == 0xDA) break;  // end of image, or entropy data: no frame seen
        size_t segment = be16(bytes + at);
        if (segment < 2 || segment > length - at) break;
        const uint8_t *body = bytes + at + 2;
        size_t body_length = segment - 2;
        bool is_sof = (marker >= 0xC0 && marker <= 0xCF) && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (marker == 0xE1 && body_length > 6 && std::memcmp(body, "Exif\0\0", 6) == 0) {
            header.orientation = exif_orientation(body + 6, body_length - 6);
        } else if (is_sof) {
            if (body_length < 6) break;
            header.stored_height = be16(body + 1);
            header.stored_width = be16(body + 3);
            if (header.stored_width == 0 || header.stored_height == 0)
                return Outcome::failure(FC_UNDECODABLE_IMAGE, "corrupt JPEG: the header declares a zero-sized image");
            return {};
        }
        at += segment;
    }
    return Outcome::failure(FC_UNDECODABLE_IMAGE,
                            "the JPEG ends or breaks before its frame header (truncated or corrupt file)");
}

Outcome read_png_header(const uint8_t *bytes, size_t length, ImageHeader &header) {
    if (length < 8 + 8 + 13 || !starts_with(bytes, length, "IHDR", 4, 12))
        return Outcome::failure(FC_UNDECODABLE_IMAGE, "the PNG ends or breaks before its IHDR header (truncated or corrupt file)");
    header.stored_width = be32(bytes + 16);
    header.stored_height = be32(bytes + 20);
    if (header.stored_width == 0 || header.stored_height == 0)
        return Outcome::failure(FC_UNDECODABLE_IMAGE, "corrupt PNG: the header declares a zero-sized image");
    return {};
}

/** Names formats we recognise but do not take, so the message can say what to do. */
const char *unsupported_format_name(const uint8_t *bytes, size_t length) {
    if (starts_with(bytes, length, "GIF8", 4)) return "GIF";
    if (starts_with(bytes, length, "BM", 2)) return "BMP";
    if (starts_with(bytes, length, "RIFF", 4) && starts_with(bytes, length, "WEBP", 4, 8)) return "WebP";
    if (starts_with(bytes, length, "II*\0", 4) || starts_with(bytes, length, "MM\0*", 4)) return "TIFF";
    if (starts_with(bytes, length, "ftyp", 4, 4)) {
        if (starts_with(bytes, length, "avif", 4, 8)) return "AVIF";
        return "HEIC/HEIF";
    }
    if (starts_with(bytes, length, "%PDF", 4)) return "PDF";
    return nullptr;
}

cv::Mat apply_orientation(const cv::Mat &image, int orientation) {
    cv::Mat out;
    switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: { cv::Mat t; cv::transpose(image, t); cv::flip(t, out, -1); return out; }
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
    }
}

}  // namespace

Outcome read_header(const uint8_t *bytes, size_t length, uint64_t max_bytes, uint64_t max_pixels,
                    ImageHeader &header) {
    if (length == 0) return Outcome::failure(FC_UNSUPPORTED_FORMAT, "the file is empty (0 bytes): no image was sent");
    if (length > max_bytes)
        return Outcome::failure(FC_IMAGE_TOO_LARGE, "the file is " + std::to_string(length) + " bytes, over the limit of " +
                                                        std::to_string(max_bytes) + "; send a smaller photo");
    Outcome outcome;
    if (starts_with(bytes, length, "\xFF\xD8\xFF", 3)) {
        header.format = FC_FORMAT_JPEG;
        outcome = read_jpeg_header(bytes, length, header);
    } else if (starts_with(bytes, length, "\x89PNG\r\n\x1A\n", 8)) {
        header.format = FC_FORMAT_PNG;
        outcome = read_png_header(bytes, length, header);
    } else if (const char *name = unsupported_format_name(bytes, length)) {
        return Outcome::failure(FC_UNSUPPORTED_FORMAT,
                                std::string("this is a ") + name + " file; only JPEG and PNG photos are accepted");
    } else {
        return Outcome::failure(FC_UNSUPPORTED_FORMAT, "not a JPEG or PNG image (unrecognised file signature)");
    }
    if (!outcome.ok()) return outcome;
    uint64_t pixels = uint64_t(header.stored_width) * header.stored_height;
    if (pixels > max_pixels)
        return Outcome::failure(FC_IMAGE_TOO_LARGE, "the image declares " + std::to_string(header.stored_width) + "x" +
                                                        std::to_string(header.stored_height) + " pixels, over the limit of " +
                                                        std::to_string(max_pixels) + " pixels; send a smaller photo");
    return {};
}

Outcome decode_rgb(const uint8_t *bytes, size_t length, const ImageHeader &header, uint64_t max_pixels, cv::Mat &rgb) {
    cv::Mat stored;
    if (header.format == FC_FORMAT_JPEG) {
        stored.create(int(header.stored_height), int(header.stored_width), CV_8UC3);
        int width = 0, height = 0;
        char text[200] = {0};
        fcj_status status = fcj_decode_rgb(bytes, length, max_pixels, stored.data, stored.total() * 3, &width,
                                           &height, text, sizeof text);
        switch (status) {
        case FCJ_OK: break;
        case FCJ_TOO_LARGE: return Outcome::failure(FC_IMAGE_TOO_LARGE, "the JPEG " + std::string(text));
        case FCJ_TRUNCATED: return Outcome::failure(FC_UNDECODABLE_IMAGE, text);
        case FCJ_NO_MEMORY: return Outcome::failure(FC_INTERNAL_ERROR, text);
        default: return Outcome::failure(FC_UNDECODABLE_IMAGE, std::string("corrupt JPEG: ") + text);
        }
        if (width != stored.cols || height != stored.rows)
            return Outcome::failure(FC_UNDECODABLE_IMAGE, "corrupt JPEG: the decoded size disagrees with its header");
    } else {
        // PNG through libpng (dlib's loader), not OpenCV's imgcodecs: that module drags ~140 shared
        // libraries (GDAL, GDCM, ...) into the process, ~40 MB of resident memory for nothing.
        // Alpha is dropped, as a camera photo has none.
        dlib::array2d<dlib::rgb_alpha_pixel> decoded;
        try {
            dlib::png_loader(bytes, length).get_image(decoded);
        } catch (const dlib::image_load_error &error) {
            return Outcome::failure(FC_UNDECODABLE_IMAGE, std::string("corrupt or truncated PNG: ") + error.what());
        }
        stored.create(int(decoded.nr()), int(decoded.nc()), CV_8UC3);
        for (long r = 0; r < decoded.nr(); r++) {
            auto *out = stored.ptr<uint8_t>(int(r));
            for (long c = 0; c < decoded.nc(); c++, out += 3) {
                const auto &p = decoded[r][c];
                out[0] = p.red;
                out[1] = p.green;
                out[2] = p.blue;
            }
        }
    }
    rgb = apply_orientation(stored, header.orientation);
    return {};
}

}  // namespace fastcert
