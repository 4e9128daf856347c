/* C tests of the WSQ exports: encode a synthetic ridge pattern, decode it back (size,
 * resolution, PSNR), decode NIST's sample file, and typed errors on bad arguments and data.
 * Usage: test_wsq FIXTURES_DIR (fixtures/c; NIST's sample is read from FIXTURES_DIR/../wsq). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

/* Reads a whole file into a malloc'd buffer; NULL when it cannot. */
static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = (unsigned char *)malloc((size_t)size);
        if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)size;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv) {
    enum { W = 256, H = 300, STRIDE = 260 };
    static unsigned char image[STRIDE * H];
    unsigned char *wsq = NULL, *pixels = NULL;
    size_t wsq_len = 0, pixels_len = 0;
    uint32_t w = 0, h = 0;
    float ppi = 0.0f;
    double se = 0.0;
    int x, y;
    char path[4096];

    /* A sinusoidal ridge pattern, with padding bytes past the width (stride > width). */
    for (y = 0; y < H; y++) {
        for (x = 0; x < STRIDE; x++) {
            image[y * STRIDE + x] =
                x < W ? (unsigned char)(128.0 + 100.0 * sin(0.35 * x + 0.2 * y)) : 7;
        }
    }

    CHECK_STATUS(biomatch_wsq_encode(image, sizeof image, W, H, STRIDE, 500.0f, 2.25f, &wsq,
                                     &wsq_len),
                 BIOMATCH_STATUS_OK);
    CHECK(wsq != NULL && wsq_len > 100 && wsq_len < (size_t)W * H);
    CHECK(wsq_len >= 2 && wsq[0] == 0xFF && wsq[1] == 0xA0); /* SOI marker */
    CHECK_STATUS(biomatch_wsq_decode(wsq, wsq_len, &pixels, &pixels_len, &w, &h, &ppi),
                 BIOMATCH_STATUS_OK);
    CHECK(w == W && h == H && pixels_len == (size_t)W * H && ppi == 500.0f);
    if (pixels != NULL && pixels_len == (size_t)W * H) {
        for (y = 0; y < H; y++) {
            for (x = 0; x < W; x++) {
                double d = (double)image[y * STRIDE + x] - (double)pixels[y * W + x];
                se += d * d;
            }
        }
        /* PSNR of a smooth pattern at 2.25 bpp: well above 30 dB for a working codec. */
        CHECK(10.0 * log10(255.0 * 255.0 / (se / (W * H) + 1e-12)) > 30.0);
    }
    biomatch_bytes_free(pixels, pixels_len);
    pixels = NULL;

    /* Truncated data: a typed error, out-parameters untouched. */
    CHECK_STATUS(biomatch_wsq_decode(wsq, wsq_len / 2, &pixels, &pixels_len, &w, &h, &ppi),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK(pixels == NULL);
    biomatch_bytes_free(wsq, wsq_len);
    wsq = NULL;

    /* Bad arguments. */
    CHECK_STATUS(biomatch_wsq_encode(image, sizeof image, W, H, W - 1, 500.0f, 0.75f, &wsq,
                                     &wsq_len),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE_HAS("stride");
    CHECK_STATUS(biomatch_wsq_encode(image, 10, W, H, STRIDE, 500.0f, 0.75f, &wsq, &wsq_len),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_wsq_encode(image, sizeof image, 4000000000u, 4000000000u, STRIDE,
                                     500.0f, 0.75f, &wsq, &wsq_len),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_wsq_encode(image, sizeof image, W, H, STRIDE, 500.0f, 100.0f, &wsq,
                                     &wsq_len),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_wsq_encode(image, sizeof image, W, H, STRIDE, 500.0f, 0.75f, NULL,
                                     &wsq_len),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_wsq_decode(NULL, 5, &pixels, &pixels_len, &w, &h, &ppi),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK(wsq == NULL && pixels == NULL);

    /* NIST's sample WSQ file (fixtures/wsq, from NIST's libbiomeval) decodes. */
    if (argc > 1) {
        size_t len = 0;
        unsigned char *data;
        snprintf(path, sizeof path, "%s/../wsq/nist_libbiomeval_img.wsq", argv[1]);
        data = read_file(path, &len);
        CHECK(data != NULL);
        if (data != NULL) {
            CHECK_STATUS(biomatch_wsq_decode(data, len, &pixels, &pixels_len, &w, &h, &ppi),
                         BIOMATCH_STATUS_OK);
            CHECK(w > 0 && h > 0 && pixels_len == (size_t)w * h);
            biomatch_bytes_free(pixels, pixels_len);
            free(data);
        }
    }
    return check_report("test_wsq");
}
