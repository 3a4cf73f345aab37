/* Internal: JPEG decoding through libjpeg(-turbo), in C because libjpeg reports errors with
 * longjmp, which must never unwind C++ frames. Not part of the public API. */
#ifndef FASTCERT_JPEG_READER_H
#define FASTCERT_JPEG_READER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fcj_status {
    FCJ_OK = 0,
    FCJ_CORRUPT = 1,    /* libjpeg refused the data */
    FCJ_TRUNCATED = 2,  /* the data ended before the image did */
    FCJ_TOO_LARGE = 3,  /* declared size over max_pixels */
    FCJ_NO_MEMORY = 4
} fcj_status;

/**
 * Decodes a JPEG to packed 8-bit RGB into the caller's buffer out_rgb of out_capacity bytes, rows
 * packed (width * 3 bytes each). Fails with FCJ_CORRUPT when the decoded size would not fit. Writes
 * the decoded size to *out_width and *out_height. Orientation is NOT applied here.
 */
fcj_status fcj_decode_rgb(const uint8_t *data, size_t length, uint64_t max_pixels,
                          uint8_t *out_rgb, size_t out_capacity, int *out_width, int *out_height,
                          char *message, size_t message_capacity);

#ifdef __cplusplus
}
#endif

#endif
