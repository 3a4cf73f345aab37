/* JPEG decoding with libjpeg: see internal/jpeg_reader.h. Nothing here allocates C++ objects, so the
 * setjmp/longjmp error path is well defined. */
#include "internal/jpeg_reader.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

typedef struct reader_error {
    struct jpeg_error_mgr base;
    jmp_buf escape;
    int truncated;
} reader_error;

/* A hostile progressive JPEG can hold thousands of tiny scans, each a full pass over the image:
 * minutes of CPU from a few kilobytes. Real encoders write about 10; refuse anything over this. */
enum { MAX_SCANS = 256 };

typedef struct scan_guard {
    struct jpeg_progress_mgr base;
    reader_error *err;
} scan_guard;

static void on_progress(j_common_ptr cinfo) {
    scan_guard *guard = (scan_guard *)cinfo->progress;
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS) longjmp(guard->err->escape, 2);
}

static void on_fatal(j_common_ptr cinfo) {
    reader_error *err = (reader_error *)cinfo->err;
    longjmp(err->escape, 1);
}

/* Warnings: libjpeg pads a truncated file with grey and carries on; we refuse it instead. Other
 * warnings (extraneous bytes and the like) are common in real photos and harmless. */
static void on_message(j_common_ptr cinfo, int level) {
    reader_error *err = (reader_error *)cinfo->err;
    if (level < 0 && err->base.msg_code == JWRN_JPEG_EOF) err->truncated = 1;
}

static void write_message(char *message, size_t capacity, const char *text) {
    if (message && capacity > 0) snprintf(message, capacity, "%s", text);
}

fcj_status fcj_decode_rgb(const uint8_t *data, size_t length, uint64_t max_pixels,
                          uint8_t *out_rgb, size_t out_capacity, int *out_width, int *out_height,
                          char *message, size_t message_capacity) {
    struct jpeg_decompress_struct cinfo;
    reader_error err;
    scan_guard guard;
    uint8_t *volatile row = NULL;

    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.base);
    err.base.error_exit = on_fatal;
    err.base.emit_message = on_message;
    err.truncated = 0;

    guard.base.progress_monitor = on_progress;
    guard.err = &err;

    char text[JMSG_LENGTH_MAX];
    switch (setjmp(err.escape)) {  /* setjmp may only be called in a context like this one */
    case 0:
        break;
    case 2:
        snprintf(text, sizeof text, "more than %d progressive scans (a decoding bomb?)", (int)MAX_SCANS);
        jpeg_destroy_decompress(&cinfo);
        free(row);
        write_message(message, message_capacity, text);
        return FCJ_CORRUPT;
    default:
        err.base.format_message((j_common_ptr)&cinfo, text);
        jpeg_destroy_decompress(&cinfo);
        free(row);
        write_message(message, message_capacity, text);
        return FCJ_CORRUPT;
    }

    jpeg_create_decompress(&cinfo);
    cinfo.progress = &guard.base;
    jpeg_mem_src(&cinfo, data, (unsigned long)length);
    jpeg_read_header(&cinfo, TRUE);
    if ((uint64_t)cinfo.image_width * (uint64_t)cinfo.image_height > max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        write_message(message, message_capacity, "declared size is over the pixel limit");
        return FCJ_TOO_LARGE;
    }

    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&cinfo);

    const size_t width = cinfo.output_width, height = cinfo.output_height;
    const size_t components = (size_t)cinfo.output_components;
    if (width * height * 3 > out_capacity) {
        jpeg_destroy_decompress(&cinfo);
        write_message(message, message_capacity, "the decoded size disagrees with the JPEG header");
        return FCJ_CORRUPT;
    }
    row = cmyk ? (uint8_t *)malloc(width * components) : NULL;
    if (cmyk && !row) {
        jpeg_destroy_decompress(&cinfo);
        write_message(message, message_capacity, "out of memory decoding the JPEG");
        return FCJ_NO_MEMORY;
    }

    while (cinfo.output_scanline < cinfo.output_height && !err.truncated) {
        uint8_t *dest = out_rgb + (size_t)cinfo.output_scanline * width * 3;
        JSAMPROW rows[1] = {cmyk ? row : dest};
        if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) break;
        if (cmyk) {
            /* Adobe writes inverted CMYK; R = C*K/255 on the stored values. */
            for (size_t x = 0; x < width; x++) {
                const uint8_t *p = row + x * 4;
                dest[x * 3 + 0] = (uint8_t)((p[0] * p[3] + 127) / 255);
                dest[x * 3 + 1] = (uint8_t)((p[1] * p[3] + 127) / 255);
                dest[x * 3 + 2] = (uint8_t)((p[2] * p[3] + 127) / 255);
            }
        }
    }

    if (err.truncated || cinfo.output_scanline < cinfo.output_height) {
        jpeg_destroy_decompress(&cinfo);
        free(row);
        write_message(message, message_capacity, "the JPEG data ends before the image does (truncated upload?)");
        return FCJ_TRUNCATED;
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);

    *out_width = (int)width;
    *out_height = (int)height;
    return FCJ_OK;
}
