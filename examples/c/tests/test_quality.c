/* C tests of the quality exports: a live-scan fixture scores well and the same in both
 * calls, a degraded copy scores lower, a blank image scores 0 with the contrast flag, and bad
 * arguments give typed errors without touching the outputs.
 * Usage: test_quality FIXTURES_DIR (fixtures/c). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    uint32_t w = 0, h = 0;
    uint8_t *pixels = util_read_pgm(util_path(argv[1], "image/101_1.pgm"), &w, &h);
    CHECK(pixels != NULL);
    if (pixels == NULL) {
        return check_report("test_quality");
    }
    size_t len = (size_t)w * h;

    /* A good capture: a high score, no contrast or minutiae flag, and the same report from
     * both calls; the template carries the score as its finger quality. */
    biomatch_finger_quality_report good, again;
    memset(&good, 0, sizeof good);
    memset(&again, 0, sizeof again);
    CHECK_STATUS(biomatch_finger_quality(pixels, len, w, h, w, 500.0f, &good), BIOMATCH_STATUS_OK);
    CHECK(good.score >= 50 && good.score <= 100);
    CHECK((good.flags & BIOMATCH_QUALITY_FLAG_LOW_CONTRAST) == 0);
    CHECK((good.flags & BIOMATCH_QUALITY_FLAG_FEW_MINUTIAE) == 0);
    CHECK(good.minutiae >= 12 && good.area_mm2 > 50.0f);
    biomatch_finger_template *tmpl = NULL;
    CHECK_STATUS(biomatch_finger_extract_with_quality(pixels, len, w, h, w, 500.0f, &tmpl, &again),
                 BIOMATCH_STATUS_OK);
    CHECK(again.score == good.score && again.flags == good.flags &&
          again.minutiae == good.minutiae);
    biomatch_finger_view_info info;
    memset(&info, 0, sizeof info);
    CHECK_STATUS(biomatch_finger_template_view_info(tmpl, 0, &info), BIOMATCH_STATUS_OK);
    CHECK(info.finger_quality == good.score && info.minutia_count == good.minutiae);
    biomatch_finger_template_free(tmpl);

    /* A degraded copy (contrast squeezed to a quarter, strong noise) scores clearly lower. */
    uint8_t *worse = (uint8_t *)malloc(len);
    CHECK(worse != NULL);
    if (worse != NULL) {
        uint32_t state = 12345u;
        for (size_t i = 0; i < len; i++) {
            state = state * 1664525u + 1013904223u;
            double noise = (double)(state >> 24) / 255.0 * 80.0 - 40.0;
            double v = 128.0 + ((double)pixels[i] - 128.0) * 0.25 + noise;
            worse[i] = (uint8_t)(v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
        }
        biomatch_finger_quality_report bad;
        memset(&bad, 0, sizeof bad);
        CHECK_STATUS(biomatch_finger_quality(worse, len, w, h, w, 500.0f, &bad),
                     BIOMATCH_STATUS_OK);
        CHECK(bad.score + 10 <= good.score);
        /* A blank image: OK, score 0, the contrast flag. */
        memset(worse, 255, len);
        CHECK_STATUS(biomatch_finger_quality(worse, len, w, h, w, 500.0f, &bad),
                     BIOMATCH_STATUS_OK);
        CHECK(bad.score == 0 && (bad.flags & BIOMATCH_QUALITY_FLAG_LOW_CONTRAST) != 0);
        free(worse);
    }

    /* Bad arguments: typed errors, outputs untouched. */
    biomatch_finger_quality_report sentinel;
    memset(&sentinel, 0xAB, sizeof sentinel);
    biomatch_finger_quality_report copy = sentinel;
    CHECK_STATUS(biomatch_finger_quality(NULL, len, w, h, w, 500.0f, &sentinel),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_quality(pixels, len, w, h, w, 500.0f, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_quality(pixels, len, w, h, w - 1, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_quality(pixels, len, 0, 0, 0, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_quality(pixels, len, w, h, w, NAN, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_quality(pixels, len, w, h, w, 0.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_quality(pixels, len - 1, w, h, w, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(memcmp(&sentinel, &copy, sizeof sentinel) == 0);
    biomatch_finger_template *t_sentinel = (biomatch_finger_template *)&check_failed;
    CHECK_STATUS(biomatch_finger_extract_with_quality(pixels, len, w, h, w, 500.0f, &t_sentinel,
                                                      NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK(t_sentinel == (biomatch_finger_template *)&check_failed);
    free(pixels);
    return check_report("test_quality");
}
