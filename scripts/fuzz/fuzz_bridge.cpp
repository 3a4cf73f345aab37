// libFuzzer harness over the native bridge's entry points that take bytes from the network: the
// engine's decode and analysis (JPEG, PNG, EXIF; with and without a search region and the passive
// models), the motion between two frames, the screen-border search, and the decoders alone (the
// same code behind every call, at thousands of inputs a second). The first input byte picks
// the entry point, the next two place the face box (and the split between two images); the rest
// is the image (or the two images). Every call must return a status: no crash, no leak, no sanitizer report. Built and run by
// scripts/fuzz/run.sh.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fastcert_bridge.h"
#include "internal/image_decode.hpp"

static fc_engine *engine = nullptr;
static int only = -1;  // FASTCERT_FUZZ_ONLY=N: every input goes to entry point N (5: the decoders alone)
static const uint64_t kMaxPixels = 1'000'000;  // inputs are small (64 KiB at most); the cap itself is exercised

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    if (const char *chosen = std::getenv("FASTCERT_FUZZ_ONLY")) only = std::atoi(chosen);
    const char *models = std::getenv("FASTCERT_MODELS");
    fc_engine_options options{};
    options.model_directory = models ? models : "models";
    options.max_bytes = 4 << 20;
    options.max_pixels = kMaxPixels;
    char message[512] = {0};
    if (fc_engine_create(&options, &engine, message, sizeof message) != FC_OK) {
        std::fprintf(stderr, "fuzz: cannot create the engine: %s\n", message);
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4) return 0;
    const uint8_t selector = only >= 0 ? uint8_t(only) : data[0] % 6;
    const uint8_t *bytes = data + 3;
    const size_t length = size - 3;
    char message[256];
    fc_face faces[4];
    int32_t written = 0;
    fc_image_info info;
    const float box[4] = {float(data[1] % 200), float(data[2] % 200), 40.0f + data[1] % 160, 40.0f + data[2] % 160};
    switch (selector) {
    case 0:  // a still photo: decode, EXIF, detect (with the enlarged retries), landmarks, quality; the
             // embedding network only sees an aligned 150x150 chip, whatever the input, so it is left out
        fc_engine_analyze_frame(engine, bytes, length, nullptr, 0, faces, 4, &written, &info, nullptr, message, sizeof message);
        break;
    case 1:  // a video frame near a region, with the passive models
        fc_engine_analyze_frame(engine, bytes, length, box, FC_ANALYZE_PASSIVE, faces, 4, &written, &info, nullptr, message,
                                sizeof message);
        break;
    case 2:  // no room for faces
        fc_engine_analyze_frame(engine, bytes, length, nullptr, 0, nullptr, 0, &written, nullptr, nullptr, nullptr, 0);
        break;
    case 3: {  // two frames: the motion between them
        const size_t split = length > 2 ? (size_t(data[1]) << 8 | data[2]) % length : 0;
        fc_motion motion;
        fc_motion_between(bytes, split, bytes + split, length - split, kMaxPixels, box, &motion, message, sizeof message);
        break;
    }
    case 4: {  // the edge of a screen or a print around a face
        int32_t found = 0;
        fc_screen_border(bytes, length, kMaxPixels, box, &found, message, sizeof message);
        break;
    }
    default: {  // the decoders alone (header, EXIF, JPEG, PNG), under the engine's caps: thousands a second
        fastcert::ImageHeader header;
        if (fastcert::read_header(bytes, length, 4 << 20, kMaxPixels, header).ok()) {
            cv::Mat rgb;
            fastcert::decode_rgb(bytes, length, header, kMaxPixels, rgb);
        }
        break;
    }
    }
    return 0;
}
