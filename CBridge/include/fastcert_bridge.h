/*
 * fastcert_bridge.h: the one public header of CBridge.
 *
 * Why this shim exists: the face pipeline (decode -> detect -> landmarks -> align -> embed) is
 * written in C++17 over OpenCV and dlib, which Swift cannot call directly. This header is a plain C
 * API over it. Every entry point is noexcept on the C++ side: no C++ exception ever crosses this
 * boundary; failures come back as an fc_status plus a human-readable message written into a
 * caller-provided buffer.
 *
 * Threading: an fc_engine is NOT safe for concurrent use (dlib networks keep per-call state). Give
 * each worker thread its own engine. Distinct engines may be used concurrently.
 *
 * Ownership: every pointer argument is borrowed for the duration of the call; every output buffer
 * is owned by the caller. The only object this API allocates is the engine itself, released with
 * fc_engine_destroy.
 *
 * Contract: pointers are non-null unless marked _Nullable. A bad argument (a null where one is
 * required, a negative capacity, an out-of-range option) is FC_BAD_ARGUMENT with a message, never a
 * silent 0 or NaN. A fault inside OpenCV or dlib that is not the image's fault is FC_INTERNAL_ERROR,
 * never reported as a bad image. The message buffer may be NULL (or capacity 0) when the caller does
 * not want the text; otherwise it always holds a terminated string after a failure.
 */
#ifndef FASTCERT_BRIDGE_H
#define FASTCERT_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define FC_NOEXCEPT noexcept
extern "C" {
#else
#define FC_NOEXCEPT
#endif

#pragma clang assume_nonnull begin

/** Result of every call. The message buffer says what went wrong in words a person can act on. */
typedef enum fc_status {
    FC_OK = 0,
    FC_BAD_ARGUMENT = 1,        /* a null pointer, a zero-sized buffer, an out-of-range option */
    FC_UNDECODABLE_IMAGE = 2,   /* a known format whose data is corrupt or truncated */
    FC_UNSUPPORTED_FORMAT = 3,  /* not JPEG or PNG (or an empty file) */
    FC_IMAGE_TOO_LARGE = 4,     /* over the byte cap, or a header declaring more pixels than the cap */
    FC_NO_FACE = 5,             /* decoded fine, but no face was found */
    FC_MODEL_LOAD_FAILURE = 6,  /* a model file is missing, unreadable or not a dlib model */
    FC_INTERNAL_ERROR = 7       /* anything else; the message holds the detail */
} fc_status;

/** Which face detector to run. */
typedef enum fc_detector {
    FC_DETECTOR_HOG = 0,        /* dlib's HOG + linear SVM frontal detector: fast on one core */
    FC_DETECTOR_CNN = 1         /* dlib's MMOD CNN detector: finds more poses, much slower on CPU */
} fc_detector;

/** Image container formats the engine reports (and, for JPEG and PNG, accepts). */
typedef enum fc_format {
    FC_FORMAT_UNKNOWN = 0,
    FC_FORMAT_JPEG = 1,
    FC_FORMAT_PNG = 2
} fc_format;

#define FC_EMBEDDING_DIMENSIONS 128
#define FC_LANDMARK_COUNT 5
#define FC_PASSIVE_MODELS 2

/** What fc_engine_analyze_frame computes beyond detection, landmarks and quality (bits). */
enum {
    FC_ANALYZE_EMBEDDING = 1,   /* the 128-d descriptor of every face written */
    FC_ANALYZE_PASSIVE = 2,     /* the passive anti-spoofing scores of the primary (first) face */
    FC_ANALYZE_NO_CNN_FALLBACK = 4  /* never searched by the CNN fallback: a video frame (even without a search region), or a still whose caller cannot afford it */
};

/** Options for fc_engine_create. Zero for a numeric field means "use the default". */
typedef struct fc_engine_options {
    const char *_Nullable model_directory;  /* folder holding the dlib .dat files; required */
    uint64_t max_bytes;           /* refuse larger files; default 20 MiB */
    uint64_t max_pixels;          /* refuse images whose header declares more; default 50 MP */
    int32_t detection_size;       /* longest side of the grey copy the detector scans; default 480 */
    int32_t detector;             /* an fc_detector; default FC_DETECTOR_HOG */
    float passive_box_scale;      /* the face box enlarged by this before the passive models' crops; default 1.3 (0.5...3) */
    int32_t mirror;               /* 1: each descriptor is the mean of the aligned chip's and its mirror's (2x the embedding cost) */
    int32_t cnn_fallback;         /* 1: a still photo (no search region, not FC_ANALYZE_NO_CNN_FALLBACK) in which HOG finds no face is searched once more by the MMOD CNN (loads it) */
    int32_t jitters;              /* 2...100: each descriptor is the mean of this many jittered copies of the chip (cost x jitters); 0 or 1: none */
} fc_engine_options;

/** Per-face quality measurements, all from the full-resolution pixels. */
typedef struct fc_face_quality {
    float inter_eye_pixels;  /* distance between the eye centres, in image pixels */
    float sharpness;         /* variance of the Laplacian of the aligned 150x150 grey chip */
    float brightness;        /* mean luminance of the aligned chip, 0...255 */
    float contrast;          /* standard deviation of luminance of the aligned chip */
    float yaw_degrees;       /* + when the nose points to the image's right */
    float pitch_degrees;     /* + when the face looks up */
    float roll_degrees;      /* + when the eye line rises to the image's right */
} fc_face_quality;

/** One face, in the oriented image's pixel coordinates (EXIF orientation already applied). */
typedef struct fc_face {
    float left, top, width, height;               /* detector box */
    float score;                                  /* detector confidence; > 0 is a detection */
    float landmarks[2 * FC_LANDMARK_COUNT];       /* x0,y0 ... x4,y4: eye corners (0-3), nose base (4) */
    fc_face_quality quality;
    float embedding[FC_EMBEDDING_DIMENSIONS];     /* dlib ResNet descriptor; compare with L2 distance */
    /* Passive anti-spoofing: the "real" probability of MiniFASNetV2 and MiniFASNetV1SE on their crops
       around the box, 0...1 (a screen or a print scores low); -1 when not computed (not asked, or
       not the primary face). */
    float passive_real[FC_PASSIVE_MODELS];
} fc_face;

/** What the engine learnt about the image itself. */
typedef struct fc_image_info {
    int32_t format;             /* an fc_format */
    int32_t width, height;      /* after EXIF orientation */
    int32_t exif_orientation;   /* 1...8, 1 when absent */
    int32_t faces_found;        /* every face detected, even beyond the caller's capacity */
    int32_t detection_passes;   /* 1, or more when the first pass found nothing and it retried */
    float detection_scale;      /* scale of the grey copy on the pass that found the faces */
} fc_image_info;

/** Wall-clock milliseconds spent in each stage of one analysis. */
typedef struct fc_stage_timings {
    double decode_ms;
    double detect_ms;
    double landmarks_ms;
    double embed_ms;
    double passive_ms;
} fc_stage_timings;

/** Opaque engine: models loaded once, reused for every image. */
typedef struct fc_engine fc_engine;

/**
 * Loads the models and returns a new engine in *out_engine (caller owns it; release with
 * fc_engine_destroy). On failure *out_engine is NULL and message holds the reason.
 * Side effect: the first successful call sets OpenBLAS (when it is the BLAS loaded) and OpenCV to
 * one thread each, for the whole process: each engine serves one worker thread, and the workers
 * are the parallelism.
 */
fc_status fc_engine_create(const fc_engine_options *options, fc_engine *_Nullable *_Nonnull out_engine,
                           char *_Nullable message, size_t message_capacity) FC_NOEXCEPT;

/** Releases an engine created by fc_engine_create. NULL is ignored. */
void fc_engine_destroy(fc_engine *_Nullable engine) FC_NOEXCEPT;

/**
 * Decodes an image held in memory (bytes, length: JPEG or PNG, EXIF orientation honoured), finds
 * every face and measures up to faces_capacity of them, the primary face first (the one the photo is
 * framed on: of the faces at least half as large as the largest visible one, the nearest the centre),
 * then by the area of the box inside the image.
 * Writes *faces_written, and *info and *timings when they are not NULL. Returns FC_NO_FACE when the
 * image decoded but holds no face. For video frames, search_region (left, top, width, height; NULL
 * for none) is where the face was in the previous frame: the detector searches a margin around it
 * first and the whole image only when the face is not there (without the enlarged retries made for
 * small faces in a still photo: a video frame's face is as large as the frame before's). flags
 * (FC_ANALYZE_*) choose the rest: without FC_ANALYZE_EMBEDDING the embedding is left zero
 * (detection, landmarks and quality only, ~15 ms less a face); with FC_ANALYZE_PASSIVE the primary
 * face gets its passive anti-spoofing scores (a few ms); FC_ANALYZE_NO_CNN_FALLBACK keeps the CNN
 * fallback off this image (a video frame given no search region, as a session's first frame). faces may be NULL only when faces_capacity
 * is 0, bytes only when length is 0. The engine must not be used by two threads at once.
 */
fc_status fc_engine_analyze_frame(fc_engine *engine, const void *_Nullable bytes, size_t length,
                                  const float *_Nullable search_region, int32_t flags,
                                  fc_face *_Nullable faces, int32_t faces_capacity, int32_t *faces_written,
                                  fc_image_info *_Nullable info, fc_stage_timings *_Nullable timings,
                                  char *_Nullable message, size_t message_capacity) FC_NOEXCEPT;

/**
 * One passive model (0: MiniFASNetV2, 1: MiniFASNetV1SE) on a prepared crop: bgr holds 80x80x3
 * bytes, blue first, rows top to bottom. Writes the three softmax outputs into out (index 1 is
 * "real"). For checking the converted models against their reference; the engine crops by itself
 * in fc_engine_analyze_frame. The engine must not be used by two threads at once.
 */
fc_status fc_engine_passive_crop(fc_engine *engine, const uint8_t *bgr, size_t length, int32_t model, float *out,
                                 char *_Nullable message, size_t message_capacity) FC_NOEXCEPT;

/** How the pixels of a face moved between two frames (for liveness). */
typedef struct fc_motion {
    int32_t corners;          /* corners found inside the face box of the first frame */
    int32_t tracked;          /* of those, tracked into the second frame (pyramidal Lucas-Kanade) */
    float planar_share;       /* share of the tracked points one homography explains (RANSAC, 1.5 px); 0 if < 8 tracked */
    float frame_difference;   /* mean absolute grey difference of the whole frames at 160 px wide, 0...255 */
} fc_motion;

/**
 * Measures the motion of the face region between two encoded frames (JPEG or PNG, same caps as the
 * engine: max_pixels): corners inside box (left, top, width, height, in the first frame's oriented
 * pixels) are tracked into the second frame and one homography is fitted to the tracks. A photo or a
 * screen moved or tilted in front of the camera is a plane (most tracks fit); a turning head is not.
 * A frame may be NULL only when its length is 0 (then FC_UNSUPPORTED_FORMAT, as for any empty file).
 * Thread-safe (no engine needed). Writes *out on FC_OK.
 */
fc_status fc_motion_between(const void *_Nullable first, size_t first_length, const void *_Nullable second, size_t second_length,
                            uint64_t max_pixels, const float *box, fc_motion *out, char *_Nullable message,
                            size_t message_capacity) FC_NOEXCEPT;

/**
 * Looks for the edge of a screen or a print around the face: a convex four-sided outline, corners
 * near right angles, enclosing the face box (left, top, width, height) with a margin on every
 * side, between 2 and 12 times its area. Writes *found (1 or 0). frame may be NULL only when length
 * is 0. Thread-safe.
 */
fc_status fc_screen_border(const void *_Nullable frame, size_t length, uint64_t max_pixels, const float *box, int32_t *found,
                           char *_Nullable message, size_t message_capacity) FC_NOEXCEPT;

#define FC_FINGERPRINT_SIDE 16

/** What a frame shows, for recognising it when it is sent again (the liveness replay check). */
typedef struct fc_fingerprint {
    /* Difference hash: the grey image averaged down to 17x16 cells, one bit for each horizontal pair
       of neighbours (set when the right-hand one is brighter), row-major, first bit the most
       significant of byte 0. A re-encoded copy differs in a few bits; another moment of the same
       scene in more (docs/liveness.md). */
    uint8_t difference_hash[FC_FINGERPRINT_SIDE * FC_FINGERPRINT_SIDE / 8];
    /* MD5 of the oriented image's size and grey pixels: equal for any two files that decode to the
       same picture (bytes appended, metadata changed). An identifier, not a signature. */
    uint8_t pixel_digest[16];
    int32_t width, height;  /* after EXIF orientation */
} fc_fingerprint;

/**
 * Decodes a frame (JPEG or PNG, EXIF orientation applied; max_pixels as for the engine, 0 for the
 * default 50 MP) and writes its content fingerprint into *out. Fails as the engine does for a file
 * it cannot decode. bytes may be NULL only when length is 0. Thread-safe (no engine needed).
 */
fc_status fc_frame_fingerprint(const void *_Nullable bytes, size_t length, uint64_t max_pixels, fc_fingerprint *out,
                               char *_Nullable message, size_t message_capacity) FC_NOEXCEPT;

/** One row of a template scan within the distance limit. */
typedef struct {
    uint64_t row;
    uint32_t query;
    float distance;
} fc_scan_hit;

/**
 * Scans rows of quantised embeddings (dimensions int8 values each, row r holding round(v / scale[r])
 * for its embedding v, with norm2[r] the squared norm of v) for every row within limit of one of
 * the queries (quantised the same way). Distances are Euclidean, from the int8 dot products, so
 * within about 0.01 of the exact float distance. A row whose norm2 is +infinity never matches
 * (removed rows). Writes up to capacity hits (row order) and the number there were in all
 * (more than capacity when hits were left out) in *found. hits may be NULL only when capacity is 0.
 * FC_BAD_ARGUMENT for a null input or zero dimensions. Pure arithmetic on the caller's memory: no
 * allocation, nothing thrown, thread-safe.
 */
fc_status fc_template_scan(const int8_t *rows, const float *scale, const float *norm2, uint64_t count, uint32_t dimensions,
                           const int8_t *queries, const float *query_scale, const float *query_norm2, uint32_t query_count,
                           float limit, fc_scan_hit *_Nullable hits, uint64_t capacity, uint64_t *found) FC_NOEXCEPT;

#pragma clang assume_nonnull end

#ifdef __cplusplus
}
#endif

#endif /* FASTCERT_BRIDGE_H */
