/* Test-only helpers that re-encode fixture photos, so the tests can derive their own cases (rotated
 * pixels for the EXIF tests) from the real images. Not linked into the product. */
#ifndef CTEST_IMAGES_H
#define CTEST_IMAGES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Decodes an image, rotates its pixels clockwise by quarter_turns * 90 degrees, and encodes it as a
 * JPEG (quality 95, no metadata) into out (capacity bytes). Returns the encoded length, or 0 on any
 * failure (including too small a buffer).
 */
size_t ctest_rotate_to_jpeg(const uint8_t *image, size_t length, int quarter_turns, uint8_t *out, size_t capacity);

/**
 * Decodes an image (its stored pixels, ignoring EXIF orientation) and encodes it again as a JPEG of
 * the given quality (1...100), without metadata, into out: the same picture in other bytes. Returns
 * the encoded length, or 0 on any failure.
 */
size_t ctest_reencode_jpeg(const uint8_t *image, size_t length, int quality, uint8_t *out, size_t capacity);

/**
 * Decodes an image, keeps the rectangle (x, y, width, height), clipped to the image, and encodes it
 * as a JPEG (quality 95) into out. Returns the encoded length, or 0 on any failure.
 */
size_t ctest_crop_to_jpeg(const uint8_t *image, size_t length, int x, int y, int width, int height, uint8_t *out,
                          size_t capacity);

/**
 * Decodes two images, scales the second by `scale` and pastes it onto the first with its top-left
 * corner at (x, y) (it may run past the edges, where it is cut off), and encodes the result as a
 * JPEG (quality 95) into out. Returns the encoded length, or 0 on any failure.
 */
size_t ctest_paste_to_jpeg(const uint8_t *base, size_t base_length, const uint8_t *pasted, size_t pasted_length, double scale,
                           int x, int y, uint8_t *out, size_t capacity);

/**
 * Decodes an image, degrades it and encodes it as a JPEG (quality 95) into out: kind 0 darkens it
 * to a fifth of its brightness, 1 blurs it (Gaussian, sigma 8), 2 shrinks it to a twelfth of its
 * size, 3 tilts it by 40 degrees. Returns the encoded length, or 0 on any failure.
 */
size_t ctest_degrade_to_jpeg(const uint8_t *image, size_t length, int kind, uint8_t *out, size_t capacity);

/**
 * Decodes an image and warps it as a flat print turned by yaw_degrees about its vertical axis and
 * tilted by pitch_degrees about its horizontal one (one homography), shifted by (dx, dy) pixels;
 * encodes it as a JPEG (quality 95) into out. Returns the encoded length, or 0 on any failure.
 */
size_t ctest_tilt_print_to_jpeg(const uint8_t *image, size_t length, double yaw_degrees, double pitch_degrees, int dx,
                                int dy, uint8_t *out, size_t capacity);

/**
 * Renders the face of a photo as if the head turned by yaw_degrees about its vertical axis: the
 * head is modelled as an ellipsoid centred at (cx, cy) with half-width radius, with a nose bump at
 * (nose_x, nose_y); its pixels are re-projected with a depth buffer over the unchanged background,
 * then shifted by dx. A stand-in for a real head turn (parallax between the nose and the eyes), not a
 * photo moved as a plane. Encodes a JPEG (quality 95) into out; returns its length, or 0 on failure.
 */
size_t ctest_turn_head_to_jpeg(const uint8_t *image, size_t length, double cx, double cy, double radius, double nose_x,
                               double nose_y, double yaw_degrees, int dx, uint8_t *out, size_t capacity);

/**
 * Renders a photo as a phone held up to a 640x480 camera: the photo, tinted and softened like a
 * screen, inside a black bezel (phone_width pixels wide, the photo filling it but for the bezel),
 * over a plain graded background, the phone's top-left corner at (x, y). Encodes a JPEG (quality
 * 95) into out; returns its length, or 0 on failure.
 */
size_t ctest_phone_screen_to_jpeg(const uint8_t *image, size_t length, int phone_width, int x, int y, uint8_t *out, size_t capacity);

/**
 * Decodes an image, takes a rectangle of out_width:out_height's shape, fraction (0.05 to 1) of the
 * largest that fits, centred on (cx, cy) as far as the image allows, scales it to out_width x out_height (both even) and writes it as planar YUV 4:2:0 (I420:
 * the Y plane, then U, then V) into out: a frame of a Y4M clip, as a 640x480 camera would see the
 * scene (Chromium's fake camera plays one). Returns the byte count, or 0 on any failure.
 */
size_t ctest_jpeg_to_i420(const uint8_t *image, size_t length, double cx, double cy, double fraction, int out_width,
                          int out_height, uint8_t *out, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
