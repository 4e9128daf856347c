/* Contract tests of the biomatch C API: every documented status for bad input, ownership
 * rules, out-parameters untouched on failure, the panic boundary. Compiled as C and again as
 * C++ (see scripts/c-ci.sh). Usage: test_api FIXTURES_DIR (the fixtures/c folder). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biomatch.h"
#include "check.h"
#include "util.h"

static const char *fixtures;
static const char *MODEL = "facenet512";

static biomatch_finger_template *read_finger(const char *name) {
    size_t len = 0;
    uint8_t *bytes = util_read_file(util_path(fixtures, name), &len);
    biomatch_finger_template *t = NULL;
    if (bytes != NULL) {
        CHECK_STATUS(biomatch_finger_template_read(bytes, len, BIOMATCH_FORMAT_AUTO,
                                                   BIOMATCH_READ_FLAGS_LENIENT, &t),
                     BIOMATCH_STATUS_OK);
    }
    free(bytes);
    CHECK(t != NULL);
    return t;
}

/* Expected scores computed by the Rust library (fixtures/c/expected-scores.txt, written and
 * kept current by crates/biomatch/tests/c_fixture_scores.rs): "finger A B S" for the ten
 * fixture fingers, "face A B S" for the fixture faces. */
#define MAX_EXPECTED 2048
static struct {
    char kind[8], a[24], b[24];
    float score;
} expected_scores[MAX_EXPECTED];
static size_t expected_count;

static void load_expected(void) {
    FILE *f = fopen(util_path(fixtures, "expected-scores.txt"), "r");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    char line[128];
    while (fgets(line, sizeof line, f) != NULL && expected_count < MAX_EXPECTED) {
        if (line[0] == '#') {
            continue;
        }
        if (sscanf(line, "%7s %23s %23s %f", expected_scores[expected_count].kind,
                   expected_scores[expected_count].a, expected_scores[expected_count].b,
                   &expected_scores[expected_count].score) == 4) {
            expected_count++;
        }
    }
    fclose(f);
    CHECK(expected_count == 100 + 40 * 40);
}

/* The Rust library's score of `a` against `b` (NAN, and a failed check, when not listed). */
static float expected(const char *kind, const char *a, const char *b) {
    for (size_t i = 0; i < expected_count; i++) {
        if (strcmp(expected_scores[i].kind, kind) == 0 && strcmp(expected_scores[i].a, a) == 0 &&
            strcmp(expected_scores[i].b, b) == 0) {
            return expected_scores[i].score;
        }
    }
    fprintf(stderr, "no expected %s score for %s %s\n", kind, a, b);
    CHECK(0);
    return NAN;
}

static biomatch_face_template *read_face(const char *name) {
    size_t dim = 0;
    float *values = util_read_f32(util_path(fixtures, name), &dim);
    biomatch_face_template *t = NULL;
    if (values != NULL) {
        CHECK_STATUS(biomatch_face_template_new(MODEL, values, dim, &t), BIOMATCH_STATUS_OK);
    }
    free(values);
    CHECK(t != NULL);
    return t;
}

static void test_version(void) {
    CHECK(strcmp(biomatch_version(), BIOMATCH_VERSION) == 0);
    CHECK(biomatch_version_number() == BIOMATCH_VERSION_NUMBER);
    CHECK(BIOMATCH_VERSION_NUMBER == BIOMATCH_VERSION_MAJOR * 10000 +
                                         BIOMATCH_VERSION_MINOR * 100 + BIOMATCH_VERSION_PATCH);
    char composed[64];
    snprintf(composed, sizeof composed, "%d.%d.%d", BIOMATCH_VERSION_MAJOR,
             BIOMATCH_VERSION_MINOR, BIOMATCH_VERSION_PATCH);
    CHECK(strcmp(composed, BIOMATCH_VERSION) == 0);
}

static void test_status_text(void) {
    CHECK(strcmp(biomatch_status_str(BIOMATCH_STATUS_OK), "ok") == 0);
    CHECK(strstr(biomatch_status_str(BIOMATCH_STATUS_PANIC), "panic") != NULL);
    CHECK(strcmp(biomatch_status_str(12345u), "unknown status") == 0);
    CHECK(strcmp(biomatch_status_str(UINT32_MAX), "unknown status") == 0);
}

static void test_null_handles_and_outputs(biomatch_finger_template *finger,
                                          biomatch_face_template *face) {
    float score = -7.0f;
    size_t count = 77;
    uint32_t format = 77;
    biomatch_finger_view_info info;
    double value = -7.0;

    CHECK_STATUS(biomatch_finger_score(NULL, finger, &score), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("probe");
    CHECK_STATUS(biomatch_finger_score(finger, NULL, &score), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("candidate");
    CHECK_STATUS(biomatch_finger_score(finger, finger, NULL), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("out_score");
    CHECK_STATUS(biomatch_finger_template_view_count(NULL, &count),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_view_count(finger, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_view_info(NULL, 0, &info),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_view_info(finger, 0, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_format(NULL, &format), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_read((const uint8_t *)"FMR", 3, 0, 0, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_face_score(NULL, face, &score), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_face_score(face, NULL, &score), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_face_score(face, face, NULL), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_face_template_dimension(NULL, &count), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_calibration_threshold_for_fmr(NULL, 0.01, &value),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_calibration_fmr_of_score(NULL, 0.5, &value),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    /* Nothing was written by any failed call. */
    CHECK(score == -7.0f && count == 77 && format == 77 && value == -7.0);
}

static void test_buffers(void) {
    biomatch_finger_template *sentinel_finger = (biomatch_finger_template *)&check_passed;
    biomatch_finger_template *finger = sentinel_finger;
    biomatch_face_template *sentinel_face = (biomatch_face_template *)&check_passed;
    biomatch_face_template *face = sentinel_face;
    biomatch_calibration *calibration = NULL;
    const uint8_t byte = 0x46;
    float values[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    double scores[2] = {0.1, 0.2};

    /* NULL buffer with a non-zero length. */
    CHECK_STATUS(biomatch_finger_template_read(NULL, 100, 0, 0, &finger),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("data");
    CHECK_STATUS(biomatch_face_template_new(MODEL, NULL, 512, &face),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("embedding");
    CHECK_STATUS(biomatch_calibration_new(NULL, 3, &calibration), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_face_template_new(NULL, values, 4, &face),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("model");

    /* Zero-length buffers, with and without a pointer. */
    CHECK_STATUS(biomatch_finger_template_read(NULL, 0, 0, 0, &finger),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK_STATUS(biomatch_finger_template_read(&byte, 0, 0, 0, &finger),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK_STATUS(biomatch_face_template_new(MODEL, NULL, 0, &face),
                 BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_STATUS(biomatch_face_template_new(MODEL, values, 0, &face),
                 BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_STATUS(biomatch_face_template_new(MODEL, values, 4, &face),
                 BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_STATUS(biomatch_calibration_new(NULL, 0, &calibration),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_calibration_new(scores, 0, &calibration),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);

    /* A length whose byte size overflows, and a misaligned float pointer. */
    CHECK_STATUS(biomatch_face_template_new(MODEL, values, SIZE_MAX / 2, &face),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_face_template_new(
                     MODEL, (const float *)(const void *)((const char *)values + 1), 2, &face),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE_HAS("aligned");

    /* A model tag that is not UTF-8. */
    CHECK_STATUS(biomatch_face_template_new("\xff\xfe", values, 4, &face),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);

    CHECK(finger == sentinel_finger);
    CHECK(face == sentinel_face);
    CHECK(calibration == NULL);
}

static void test_truncated_and_garbage_templates(void) {
    size_t len = 0;
    uint8_t *bytes = util_read_file(util_path(fixtures, "finger/101_1.iso"), &len);
    CHECK(bytes != NULL && len > 32);
    if (bytes == NULL) {
        return;
    }
    biomatch_finger_template *sentinel = (biomatch_finger_template *)&check_failed;
    int all_rejected = 1;
    for (size_t cut = 1; cut < len; cut++) {
        biomatch_finger_template *t = sentinel;
        /* Detected: until the length field (bytes 8..11) is there, ISO 2005 and ANSI 2004
         * cannot be told apart, which is "unsupported format" (ambiguous); after that it is
         * truncation. With the format given, every cut is a malformed template. */
        biomatch_status detected = biomatch_finger_template_read(
            bytes, cut, BIOMATCH_FORMAT_AUTO, BIOMATCH_READ_FLAGS_LENIENT, &t);
        int ok = detected == BIOMATCH_STATUS_MALFORMED_TEMPLATE ||
                 (cut < 12 && detected == BIOMATCH_STATUS_UNSUPPORTED_FORMAT);
        ok = ok && t == sentinel && biomatch_last_error_message()[0] != '\0';
        biomatch_status given = biomatch_finger_template_read(
            bytes, cut, BIOMATCH_FORMAT_ISO2005, BIOMATCH_READ_FLAGS_LENIENT, &t);
        ok = ok && given == BIOMATCH_STATUS_MALFORMED_TEMPLATE && t == sentinel &&
             biomatch_last_error_message()[0] != '\0';
        if (!ok) {
            fprintf(stderr, "truncated at %zu: status %u / %u, message \"%s\"\n", cut,
                    (unsigned)detected, (unsigned)given, biomatch_last_error_message());
            all_rejected = 0;
        }
    }
    CHECK(all_rejected);
    CHECK_STATUS(biomatch_finger_template_read(bytes, len / 2, BIOMATCH_FORMAT_ISO2005,
                                               BIOMATCH_READ_FLAGS_STRICT, &sentinel),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK_MESSAGE_HAS("biomatch_finger_template_read");
    CHECK_STATUS(biomatch_finger_template_read(bytes, len / 2, BIOMATCH_FORMAT_AUTO,
                                               BIOMATCH_READ_FLAGS_LENIENT, &sentinel),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK_MESSAGE_HAS("truncated");

    /* Bytes of no known format. */
    uint8_t garbage[64];
    for (size_t i = 0; i < sizeof garbage; i++) {
        garbage[i] = (uint8_t)(i * 37u + 11u);
    }
    CHECK_STATUS(biomatch_finger_template_read(garbage, sizeof garbage, BIOMATCH_FORMAT_AUTO,
                                               BIOMATCH_READ_FLAGS_LENIENT, &sentinel),
                 BIOMATCH_STATUS_UNSUPPORTED_FORMAT);

    /* Unknown format code and flags. */
    CHECK_STATUS(biomatch_finger_template_read(bytes, len, 99u, 0, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE_HAS("format");
    CHECK_STATUS(biomatch_finger_template_read(bytes, len, 0, 0x80u, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(sentinel == (biomatch_finger_template *)&check_failed);
    free(bytes);
}

static void test_finger_templates(void) {
    biomatch_finger_template *a1 = read_finger("finger/101_1.iso");
    biomatch_finger_template *a2 = read_finger("finger/101_2.iso");
    biomatch_finger_template *b1 = read_finger("finger/102_1.iso");
    if (a1 == NULL || a2 == NULL || b1 == NULL) {
        biomatch_finger_template_free(a1);
        biomatch_finger_template_free(a2);
        biomatch_finger_template_free(b1);
        return;
    }
    size_t views = 0;
    CHECK_STATUS(biomatch_finger_template_view_count(a1, &views), BIOMATCH_STATUS_OK);
    CHECK(views == 1);
    uint32_t format = 0;
    CHECK_STATUS(biomatch_finger_template_format(a1, &format), BIOMATCH_STATUS_OK);
    CHECK(format == BIOMATCH_FORMAT_ISO2005);
    biomatch_finger_view_info info;
    memset(&info, 0, sizeof info);
    CHECK_STATUS(biomatch_finger_template_view_info(a1, 0, &info), BIOMATCH_STATUS_OK);
    /* fixtures/README.md: SecuGen ISO 2005 records, 300x400, 6..81 minutiae. */
    CHECK(info.width == 300 && info.height == 400);
    CHECK(info.minutia_count >= 6 && info.minutia_count <= 81);
    CHECK(info.x_ppi > 400.0f && info.x_ppi < 600.0f);
    biomatch_finger_view_info untouched = info;
    CHECK_STATUS(biomatch_finger_template_view_info(a1, views, &info),
                 BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(untouched.minutia_count == info.minutia_count && untouched.width == info.width &&
          untouched.x_ppi == info.x_ppi);

    float self = -1.0f, genuine = -1.0f, impostor = -1.0f, swapped = -1.0f;
    CHECK_STATUS(biomatch_finger_score(a1, a1, &self), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_score(a1, a2, &genuine), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_score(a1, b1, &impostor), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_score(b1, a1, &swapped), BIOMATCH_STATUS_OK);
    CHECK(isfinite(self) && isfinite(genuine) && isfinite(impostor) && isfinite(swapped));
    /* Each score is the Rust matcher's for the same two templates. */
    CHECK(self == expected("finger", "101_1", "101_1"));
    CHECK(genuine == expected("finger", "101_1", "101_2"));
    CHECK(impostor == expected("finger", "101_1", "102_1"));
    CHECK(swapped == expected("finger", "102_1", "101_1"));
    CHECK(self >= genuine && self >= impostor);
    /* Two impressions of finger 101 score above finger 101 against finger 102. */
    CHECK(genuine > impostor);
    biomatch_finger_template_free(a1);
    biomatch_finger_template_free(a2);
    biomatch_finger_template_free(b1);
}


/* Reads `bytes` back with the given options and returns its first view's minutia count (or
 * SIZE_MAX when it cannot be read). */
static size_t reread_minutiae(const uint8_t *bytes, size_t len,
                              const biomatch_read_options *options, uint32_t *out_format) {
    biomatch_finger_template *t = NULL;
    biomatch_finger_view_info info;
    size_t count = SIZE_MAX;
    if (biomatch_finger_template_read_with_options(bytes, len, options, &t) ==
            BIOMATCH_STATUS_OK &&
        biomatch_finger_template_view_info(t, 0, &info) == BIOMATCH_STATUS_OK &&
        biomatch_finger_template_format(t, out_format) == BIOMATCH_STATUS_OK) {
        count = info.minutia_count;
    } else {
        fprintf(stderr, "re-read failed: %s\n", biomatch_last_error_message());
    }
    biomatch_finger_template_free(t);
    return count;
}

static void test_write_back(void) {
    size_t original_len = 0;
    uint8_t *original = util_read_file(util_path(fixtures, "finger/102_1.iso"), &original_len);
    biomatch_finger_template *t = read_finger("finger/102_1.iso");
    if (original == NULL || t == NULL) {
        free(original);
        biomatch_finger_template_free(t);
        return;
    }
    biomatch_finger_view_info info;
    CHECK_STATUS(biomatch_finger_template_view_info(t, 0, &info), BIOMATCH_STATUS_OK);

    /* ISO 2005 back to ISO 2005: the same bytes as the file. */
    uint8_t *data = NULL;
    size_t len = 0;
    CHECK_STATUS(biomatch_finger_template_write(t, BIOMATCH_FORMAT_ISO2005, &data, &len),
                 BIOMATCH_STATUS_OK);
    CHECK(len == original_len && data != NULL && memcmp(data, original, len) == 0);
    biomatch_bytes_free(data, len);

    /* Every writable format reads back (detected) with the same number of minutiae. */
    const uint32_t formats[] = {BIOMATCH_FORMAT_ISO2011, BIOMATCH_FORMAT_ANSI2004,
                                BIOMATCH_FORMAT_ANSI2009, BIOMATCH_FORMAT_ANSI2009_AM1,
                                BIOMATCH_FORMAT_XYT, BIOMATCH_FORMAT_XYT_M1};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        data = NULL;
        len = 0;
        CHECK_STATUS(biomatch_finger_template_write(t, formats[i], &data, &len),
                     BIOMATCH_STATUS_OK);
        biomatch_read_options options;
        memset(&options, 0, sizeof options);
        options.format = formats[i];
        options.image_width = info.width;
        options.image_height = info.height;
        options.ppi = info.x_ppi;
        uint32_t format = 0;
        CHECK(reread_minutiae(data, len, &options, &format) == info.minutia_count);
        CHECK(format == formats[i]);
        biomatch_bytes_free(data, len);
    }

    /* Options: NULL, a resolution that is not a number. */
    CHECK_STATUS(biomatch_finger_template_write(t, BIOMATCH_FORMAT_XYT, &data, &len),
                 BIOMATCH_STATUS_OK);
    biomatch_read_options no_height;
    memset(&no_height, 0, sizeof no_height);
    no_height.format = BIOMATCH_FORMAT_XYT;
    biomatch_finger_template *sentinel = (biomatch_finger_template *)&check_failed;
    CHECK_STATUS(biomatch_finger_template_read_with_options(data, len, NULL, &sentinel),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    no_height.ppi = NAN;
    CHECK_STATUS(biomatch_finger_template_read_with_options(data, len, &no_height, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(sentinel == (biomatch_finger_template *)&check_failed);
    biomatch_bytes_free(data, len);

    /* Formats that cannot be written, NULL outputs: nothing is written. */
    uint8_t *untouched = (uint8_t *)&check_failed;
    size_t untouched_len = 12345;
    CHECK_STATUS(biomatch_finger_template_write(t, BIOMATCH_FORMAT_AUTO, &untouched,
                                                &untouched_len),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_write(t, BIOMATCH_FORMAT_TYPE9, &untouched,
                                                &untouched_len),
                 BIOMATCH_STATUS_UNSUPPORTED_FORMAT);
    CHECK_STATUS(biomatch_finger_template_write(t, 1000u, &untouched, &untouched_len),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_write(NULL, BIOMATCH_FORMAT_ISO2005, &untouched,
                                                &untouched_len),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_write(t, BIOMATCH_FORMAT_ISO2005, NULL,
                                                &untouched_len),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_template_write(t, BIOMATCH_FORMAT_ISO2005, &untouched, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK(untouched == (uint8_t *)&check_failed && untouched_len == 12345);
    biomatch_finger_template_free(t);
    free(original);
}


static void test_extract(void) {
    uint32_t w = 0, h = 0;
    uint8_t *pixels = util_read_pgm(util_path(fixtures, "image/101_1.pgm"), &w, &h);
    CHECK(pixels != NULL);
    if (pixels == NULL) {
        return;
    }
    size_t len = (size_t)w * h;
    biomatch_finger_template *packed = NULL, *strided = NULL;
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h, w, 500.0f, &packed),
                 BIOMATCH_STATUS_OK);

    /* The same image with padded rows (stride > width, last row without padding) gives the
     * same template. */
    size_t stride = (size_t)w + 13;
    size_t strided_len = stride * (h - 1) + w;
    uint8_t *padded = (uint8_t *)malloc(strided_len);
    CHECK(padded != NULL);
    if (padded != NULL) {
        memset(padded, 0x33, strided_len);
        for (uint32_t y = 0; y < h; y++) {
            memcpy(padded + (size_t)y * stride, pixels + (size_t)y * w, w);
        }
        CHECK_STATUS(biomatch_finger_extract(padded, strided_len, w, h, stride, 500.0f, &strided),
                     BIOMATCH_STATUS_OK);
        biomatch_finger_template *sentinel = (biomatch_finger_template *)&check_failed;
        CHECK_STATUS(biomatch_finger_extract(padded, strided_len - 1, w, h, stride, 500.0f,
                                             &sentinel),
                     BIOMATCH_STATUS_INVALID_ARGUMENT);
        CHECK(sentinel == (biomatch_finger_template *)&check_failed);
        free(padded);
    }
    biomatch_finger_view_info a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 1, sizeof b);
    CHECK_STATUS(biomatch_finger_template_view_info(packed, 0, &a), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_template_view_info(strided, 0, &b), BIOMATCH_STATUS_OK);
    CHECK(a.minutia_count > 0 && a.minutia_count == b.minutia_count);
    CHECK(a.width == w && a.height == h);
    uint32_t format = 99;
    CHECK_STATUS(biomatch_finger_template_format(packed, &format), BIOMATCH_STATUS_OK);
    CHECK(format == BIOMATCH_FORMAT_AUTO);

    /* An extracted template can be written and read back. */
    uint8_t *iso = NULL;
    size_t iso_len = 0;
    CHECK_STATUS(biomatch_finger_template_write(packed, BIOMATCH_FORMAT_ISO2005, &iso, &iso_len),
                 BIOMATCH_STATUS_OK);
    biomatch_read_options options;
    memset(&options, 0, sizeof options);
    CHECK(reread_minutiae(iso, iso_len, &options, &format) == a.minutia_count);
    biomatch_bytes_free(iso, iso_len);

    /* Bad geometry, buffers and resolutions. */
    biomatch_finger_template *sentinel = (biomatch_finger_template *)&check_failed;
    CHECK_STATUS(biomatch_finger_extract(NULL, len, w, h, w, 500.0f, &sentinel),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h, w, 500.0f, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, 0, w, h, w, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, 0, h, w, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h, w - 1, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_MESSAGE_HAS("stride");
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h + 1, w, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, 100000u, 100000u, 100000u, 500.0f,
                                         &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h, SIZE_MAX, 500.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h, w, NAN, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_finger_extract(pixels, len, w, h, w, 5.0f, &sentinel),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(sentinel == (biomatch_finger_template *)&check_failed);
    biomatch_finger_template_free(packed);
    biomatch_finger_template_free(strided);
    free(pixels);
}

static void test_faces(void) {
    biomatch_face_template *w0 = read_face("face/watchlist_00.f32");
    biomatch_face_template *p0 = read_face("face/probe_00.f32");
    biomatch_face_template *w1 = read_face("face/watchlist_01.f32");
    float self = 0, genuine = 0, impostor = 0;
    CHECK_STATUS(biomatch_face_score(w0, w0, &self), BIOMATCH_STATUS_OK);
    CHECK(fabsf(self - 1.0f) < 1e-5f);
    CHECK_STATUS(biomatch_face_score(w0, p0, &genuine), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_face_score(w0, w1, &impostor), BIOMATCH_STATUS_OK);
    CHECK(genuine > impostor);
    CHECK(fabsf(genuine - expected("face", "watchlist_00", "probe_00")) <= 1e-6f);
    CHECK(fabsf(impostor - expected("face", "watchlist_00", "watchlist_01")) <= 1e-6f);
    size_t dim = 0;
    CHECK_STATUS(biomatch_face_template_dimension(w0, &dim), BIOMATCH_STATUS_OK);
    CHECK(dim == 512);

    /* Wrong dimension, not finite, zero, other model. */
    float small[128];
    for (int i = 0; i < 128; i++) {
        small[i] = (float)(i % 7) - 3.0f;
    }
    biomatch_face_template *s = NULL;
    CHECK_STATUS(biomatch_face_template_new(MODEL, small, 128, &s), BIOMATCH_STATUS_OK);
    float score = -9.0f;
    CHECK_STATUS(biomatch_face_score(w0, s, &score), BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_MESSAGE_HAS("512");
    CHECK(score == -9.0f);
    biomatch_face_template *sentinel = (biomatch_face_template *)&check_passed;
    biomatch_face_template *bad = sentinel;
    small[5] = NAN;
    CHECK_STATUS(biomatch_face_template_new(MODEL, small, 128, &bad),
                 BIOMATCH_STATUS_INVALID_EMBEDDING);
    small[5] = INFINITY;
    CHECK_STATUS(biomatch_face_template_new(MODEL, small, 128, &bad),
                 BIOMATCH_STATUS_INVALID_EMBEDDING);
    memset(small, 0, sizeof small);
    CHECK_STATUS(biomatch_face_template_new(MODEL, small, 128, &bad),
                 BIOMATCH_STATUS_INVALID_EMBEDDING);
    CHECK(bad == sentinel);
    size_t n = 0;
    float *values = util_read_f32(util_path(fixtures, "face/probe_01.f32"), &n);
    biomatch_face_template *other_model = NULL;
    if (values != NULL) {
        CHECK_STATUS(biomatch_face_template_new("arcface", values, n, &other_model),
                     BIOMATCH_STATUS_OK);
    }
    free(values);
    CHECK_STATUS(biomatch_face_score(w0, other_model, &score), BIOMATCH_STATUS_MODEL_MISMATCH);
    CHECK_MESSAGE_HAS("arcface");
    biomatch_face_template_free(other_model);
    biomatch_face_template_free(s);
    biomatch_face_template_free(w0);
    biomatch_face_template_free(p0);
    biomatch_face_template_free(w1);
}

static void test_calibration(void) {
    size_t n = 0;
    double *scores = util_read_scores(util_path(fixtures, "face/impostor_scores.txt"), &n);
    CHECK(scores != NULL && n > 1000);
    if (scores == NULL) {
        return;
    }
    biomatch_calibration *c = NULL;
    CHECK_STATUS(biomatch_calibration_new(scores, n, &c), BIOMATCH_STATUS_OK);
    /* In the body of the distribution (FMR 0.05 of 4950 scores): the threshold admits
     * exactly floor(0.05 * n) impostors, counted here independently. */
    double t = 0, fmr = 0;
    CHECK_STATUS(biomatch_calibration_threshold_for_fmr(c, 0.05, &t), BIOMATCH_STATUS_OK);
    size_t above = 0;
    for (size_t i = 0; i < n; i++) {
        above += scores[i] >= t;
    }
    CHECK(above == (size_t)(0.05 * (double)n));
    CHECK_STATUS(biomatch_calibration_fmr_of_score(c, t, &fmr), BIOMATCH_STATUS_OK);
    CHECK(fabs(fmr - (double)above / (double)n) < 1e-12);
    /* Rarer than the empirical tail (1e-3): the fitted tail answers; it inverts exactly and
     * stays close to the data (at most 3 in 1000 impostors at or above it). */
    CHECK_STATUS(biomatch_calibration_threshold_for_fmr(c, 1e-3, &t), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_calibration_fmr_of_score(c, t, &fmr), BIOMATCH_STATUS_OK);
    CHECK(fabs(fmr - 1e-3) < 1e-9);
    above = 0;
    for (size_t i = 0; i < n; i++) {
        above += scores[i] >= t;
    }
    CHECK((double)above / (double)n <= 3e-3);
    double untouched = 42.0;
    CHECK_STATUS(biomatch_calibration_threshold_for_fmr(c, 0.0, &untouched),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_calibration_threshold_for_fmr(c, 1.5, &untouched),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_calibration_fmr_of_score(c, NAN, &untouched),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(untouched == 42.0);
    scores[3] = NAN;
    biomatch_calibration *bad = NULL;
    CHECK_STATUS(biomatch_calibration_new(scores, n, &bad), BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(bad == NULL);
    biomatch_calibration_free(c);
    free(scores);
}


static biomatch_gallery *new_gallery(void) {
    biomatch_gallery *g = NULL;
    CHECK_STATUS(biomatch_gallery_new(MODEL, 512, NULL, NULL, &g), BIOMATCH_STATUS_OK);
    return g;
}

static void test_gallery_errors(void) {
    biomatch_gallery *sentinel = (biomatch_gallery *)&check_passed;
    biomatch_gallery *g = sentinel;
    CHECK_STATUS(biomatch_gallery_new(NULL, 512, NULL, NULL, &g), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_new(MODEL, 0, NULL, NULL, &g), BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_STATUS(biomatch_gallery_new(MODEL, 512, NULL, NULL, NULL),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK(g == sentinel);
    g = new_gallery();
    biomatch_face_template *face = read_face("face/watchlist_00.f32");
    biomatch_face_template *probe = read_face("face/probe_00.f32");
    biomatch_finger_template *finger = read_finger("finger/101_1.iso");
    const biomatch_finger_template *fingers[2] = {finger, NULL};
    biomatch_candidate_list *list = (biomatch_candidate_list *)&check_failed;
    size_t n = 99;

    /* NULL handles, ids, arrays. */
    CHECK_STATUS(biomatch_gallery_enrol(NULL, "a", face, NULL, 0), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_enrol(g, NULL, face, NULL, 0), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("subject_id");
    CHECK_STATUS(biomatch_gallery_enrol(g, "a", NULL, NULL, 3), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_enrol(g, "a", NULL, fingers, 2), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_MESSAGE_HAS("fingers[1]");
    CHECK_STATUS(biomatch_gallery_remove(NULL, "a"), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_len(NULL, &n), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_identify_face(NULL, probe, 5, &list),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_identify_face(g, NULL, 5, &list),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_identify_finger(g, NULL, 5, &list),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_save(NULL, "x.bmg"), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_save(g, NULL), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK_STATUS(biomatch_candidate_list_len(NULL, &n), BIOMATCH_STATUS_NULL_ARGUMENT);

    /* Bad ids and empty subjects. */
    CHECK_STATUS(biomatch_gallery_enrol(g, "", face, NULL, 0), BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_enrol(g, "tab\there", face, NULL, 0),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_enrol(g, "nobody", NULL, NULL, 0),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);

    /* Wrong embedding dimension and model. */
    float small[128];
    for (int i = 0; i < 128; i++) {
        small[i] = (float)(i % 5) + 1.0f;
    }
    biomatch_face_template *face128 = NULL, *arc = NULL;
    CHECK_STATUS(biomatch_face_template_new(MODEL, small, 128, &face128), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_face_template_new("arcface", small, 128, &arc), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_enrol(g, "short", face128, NULL, 0),
                 BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_MESSAGE_HAS("128");
    CHECK_STATUS(biomatch_gallery_identify_face(g, face128, 5, &list),
                 BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK_STATUS(biomatch_gallery_enrol(g, "other", arc, NULL, 0), BIOMATCH_STATUS_MODEL_MISMATCH);

    /* Duplicates, unknown ids, zero candidates, multi-modal without calibration. */
    CHECK_STATUS(biomatch_gallery_enrol(g, "alice", face, fingers, 1), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_enrol(g, "alice", face, NULL, 0), BIOMATCH_STATUS_DUPLICATE_ID);
    CHECK_MESSAGE_HAS("alice");
    CHECK_STATUS(biomatch_gallery_remove(g, "bob"), BIOMATCH_STATUS_UNKNOWN_ID);
    CHECK_STATUS(biomatch_gallery_identify_face(g, probe, 0, &list),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_identify(g, NULL, NULL, 0, 5, &list),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_identify(g, probe, fingers, 1, 5, &list),
                 BIOMATCH_STATUS_NOT_CALIBRATED);
    CHECK_STATUS(biomatch_gallery_verify(g, "bob", probe, NULL, 0, &list),
                 BIOMATCH_STATUS_UNKNOWN_ID);
    CHECK(list == (biomatch_candidate_list *)&check_failed);
    CHECK(n == 99);

    /* Files: missing, not a gallery, truncated. */
    CHECK_STATUS(biomatch_gallery_load("/nonexistent/dir/gallery.bmg", &g),
                 BIOMATCH_STATUS_IO);
    uint8_t garbage[100];
    memset(garbage, 0x5a, sizeof garbage);
    biomatch_gallery *loaded = NULL;
    CHECK_STATUS(biomatch_gallery_load_bytes(garbage, sizeof garbage, &loaded),
                 BIOMATCH_STATUS_CORRUPT_DATA);
    CHECK_STATUS(biomatch_gallery_load_bytes(NULL, 0, &loaded), BIOMATCH_STATUS_CORRUPT_DATA);
    CHECK_STATUS(biomatch_gallery_load_bytes(NULL, 8, &loaded), BIOMATCH_STATUS_NULL_ARGUMENT);
    CHECK(loaded == NULL);

    biomatch_face_template_free(face128);
    biomatch_face_template_free(arc);
    biomatch_face_template_free(face);
    biomatch_face_template_free(probe);
    biomatch_finger_template_free(finger);
    biomatch_gallery_free(g);
}

/* Enrols watchlist_00..09 as "w00".."w09" (face only) and fingers 101..105 (impression 1)
 * as "f101".."f105" (finger only). */
static void enrol_watchlist(biomatch_gallery *g) {
    char name[64], id[16];
    for (int k = 0; k < 10; k++) {
        snprintf(name, sizeof name, "face/watchlist_%02d.f32", k);
        snprintf(id, sizeof id, "w%02d", k);
        biomatch_face_template *f = read_face(name);
        CHECK_STATUS(biomatch_gallery_enrol(g, id, f, NULL, 0), BIOMATCH_STATUS_OK);
        biomatch_face_template_free(f);
    }
    for (int k = 101; k <= 105; k++) {
        snprintf(name, sizeof name, "finger/%d_1.iso", k);
        snprintf(id, sizeof id, "f%d", k);
        const biomatch_finger_template *t[1];
        t[0] = read_finger(name);
        CHECK_STATUS(biomatch_gallery_enrol(g, id, NULL, t, 1), BIOMATCH_STATUS_OK);
        biomatch_finger_template_free((biomatch_finger_template *)t[0]);
    }
}

static void test_gallery_identify_save_load(void) {
    biomatch_gallery *g = new_gallery();
    enrol_watchlist(g);
    size_t n = 0;
    CHECK_STATUS(biomatch_gallery_len(g, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 15);
    bool has = false;
    CHECK_STATUS(biomatch_gallery_contains(g, "w03", &has), BIOMATCH_STATUS_OK);
    CHECK(has);

    /* The face search returns the four enrolled faces closest to w03, in the order and with
     * the scores the Rust library computes (w03 itself first, score 1). */
    biomatch_face_template *w3 = read_face("face/watchlist_03.f32");
    biomatch_face_template *w5 = read_face("face/watchlist_05.f32");
    int rank[10];
    for (int k = 0; k < 10; k++) {
        rank[k] = k;
    }
    float face_expected[10];
    char wname[32];
    for (int k = 0; k < 10; k++) {
        snprintf(wname, sizeof wname, "watchlist_%02d", k);
        face_expected[k] = expected("face", "watchlist_03", wname);
    }
    for (int i = 0; i < 10; i++) { /* selection sort, best first */
        for (int j = i + 1; j < 10; j++) {
            if (face_expected[rank[j]] > face_expected[rank[i]]) {
                int t = rank[i];
                rank[i] = rank[j];
                rank[j] = t;
            }
        }
    }
    biomatch_candidate_list *list = NULL;
    CHECK_STATUS(biomatch_gallery_identify_face(g, w3, 4, &list), BIOMATCH_STATUS_OK);
    size_t len = 0;
    CHECK_STATUS(biomatch_candidate_list_len(list, &len), BIOMATCH_STATUS_OK);
    CHECK(len == 4);
    biomatch_candidate first, second;
    char want_id[16];
    for (size_t c = 0; c < len && c < 4; c++) {
        biomatch_candidate cand;
        CHECK_STATUS(biomatch_candidate_list_get(list, c, &cand), BIOMATCH_STATUS_OK);
        snprintf(want_id, sizeof want_id, "w%02d", rank[c]);
        CHECK(strcmp(cand.subject_id, want_id) == 0);
        CHECK(fabsf(cand.face_score - face_expected[rank[c]]) < 1e-5f);
        CHECK(isnan(cand.finger_score) && isnan(cand.fused_fmr));
    }
    CHECK_STATUS(biomatch_candidate_list_get(list, 0, &first), BIOMATCH_STATUS_OK);
    CHECK(strcmp(first.subject_id, "w03") == 0);
    CHECK(fabsf(first.face_score - 1.0f) < 1e-4f);
    CHECK_STATUS(biomatch_candidate_list_get(list, 1, &second), BIOMATCH_STATUS_OK);
    CHECK(second.fused_score <= first.fused_score);
    const char *first_id = first.subject_id;
    double first_fused = first.fused_score;
    CHECK_STATUS(biomatch_candidate_list_get(list, len, &first),
                 BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(first.subject_id == first_id && first.fused_score == first_fused);
    biomatch_candidate_list_free(list);
    list = NULL;
    biomatch_candidate_list_free(list);

    /* Finger identification: the enrolled impression finds its own subject, f103, first;
     * every candidate's score is the Rust matcher's for 103_1 against that subject's
     * impression, best first. */
    biomatch_finger_template *f103 = read_finger("finger/103_1.iso");
    CHECK_STATUS(biomatch_gallery_identify_finger(g, f103, 3, &list), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_candidate_list_len(list, &len), BIOMATCH_STATUS_OK);
    CHECK(len == 3);
    float previous = INFINITY;
    for (size_t c = 0; c < len && c < 3; c++) {
        biomatch_candidate cand;
        CHECK_STATUS(biomatch_candidate_list_get(list, c, &cand), BIOMATCH_STATUS_OK);
        int finger_no = 0;
        CHECK(sscanf(cand.subject_id, "f%d", &finger_no) == 1 && finger_no >= 101 &&
              finger_no <= 105);
        char fname[16];
        snprintf(fname, sizeof fname, "%d_1", finger_no);
        CHECK(fabsf(cand.finger_score - expected("finger", "103_1", fname)) <= 1e-6f);
        CHECK(cand.finger_score <= previous);
        previous = cand.finger_score;
        if (c == 0) {
            CHECK(strcmp(cand.subject_id, "f103") == 0);
        }
    }
    biomatch_candidate_list_free(list);

    /* Verification 1:1 against an id. */
    CHECK_STATUS(biomatch_gallery_verify(g, "w05", w5, NULL, 0, &list), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_candidate_list_len(list, &len), BIOMATCH_STATUS_OK);
    CHECK(len == 1);
    CHECK_STATUS(biomatch_candidate_list_get(list, 0, &first), BIOMATCH_STATUS_OK);
    CHECK(strcmp(first.subject_id, "w05") == 0 && fabsf(first.face_score - 1.0f) < 1e-4f);
    biomatch_candidate_list_free(list);

    /* Remove, then save and load: the loaded gallery has the same subjects and answers. */
    CHECK_STATUS(biomatch_gallery_remove(g, "w05"), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_contains(g, "w05", &has), BIOMATCH_STATUS_OK);
    CHECK(!has);
    CHECK_STATUS(biomatch_gallery_save(g, "test_api_gallery.bmg"), BIOMATCH_STATUS_OK);
    biomatch_gallery *loaded = NULL;
    CHECK_STATUS(biomatch_gallery_load("test_api_gallery.bmg", &loaded), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_len(loaded, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 14);
    CHECK_STATUS(biomatch_gallery_identify_face(loaded, w3, 1, &list), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_candidate_list_get(list, 0, &first), BIOMATCH_STATUS_OK);
    CHECK(strcmp(first.subject_id, "w03") == 0);
    biomatch_candidate_list_free(list);

    /* The same file, truncated, is corrupt data (never a crash). */
    size_t file_len = 0;
    uint8_t *file = util_read_file("test_api_gallery.bmg", &file_len);
    CHECK(file != NULL && file_len > 64);
    if (file != NULL) {
        biomatch_gallery *partial = NULL;
        int all_rejected = 1;
        for (size_t cut = 0; cut < file_len; cut += 1 + cut / 8) {
            if (biomatch_gallery_load_bytes(file, cut, &partial) !=
                BIOMATCH_STATUS_CORRUPT_DATA) {
                all_rejected = 0;
            }
        }
        CHECK(all_rejected && partial == NULL);
        CHECK_STATUS(biomatch_gallery_load_bytes(file, file_len, &partial), BIOMATCH_STATUS_OK);
        biomatch_gallery_free(partial);
        free(file);
    }
    remove("test_api_gallery.bmg");

    biomatch_gallery_free(loaded);
    loaded = NULL;
    biomatch_gallery_free(loaded);
    biomatch_face_template_free(w3);
    biomatch_face_template_free(w5);
    biomatch_finger_template_free(f103);
    biomatch_gallery_free(g);
}


/* Multi-modal identification with calibrated fusion: face + finger on one probe. */
static void test_gallery_multimodal(void) {
    size_t n = 0;
    double *face_scores = util_read_scores(util_path(fixtures, "face/impostor_scores.txt"), &n);
    biomatch_calibration *face_cal = NULL, *finger_cal = NULL;
    CHECK_STATUS(biomatch_calibration_new(face_scores, n, &face_cal), BIOMATCH_STATUS_OK);
    free(face_scores);
    /* Finger impostor scores from pairs of different fingers, through the C API. */
    double finger_scores[20];
    size_t count = 0;
    char a_name[64], b_name[64];
    for (int a = 101; a <= 105; a++) {
        for (int b = 101; b <= 105; b++) {
            if (a == b) {
                continue;
            }
            snprintf(a_name, sizeof a_name, "finger/%d_1.iso", a);
            snprintf(b_name, sizeof b_name, "finger/%d_2.iso", b);
            biomatch_finger_template *ta = read_finger(a_name), *tb = read_finger(b_name);
            float s = 0;
            CHECK_STATUS(biomatch_finger_score(ta, tb, &s), BIOMATCH_STATUS_OK);
            finger_scores[count++] = s;
            biomatch_finger_template_free(ta);
            biomatch_finger_template_free(tb);
        }
    }
    CHECK_STATUS(biomatch_calibration_new(finger_scores, count, &finger_cal), BIOMATCH_STATUS_OK);
    biomatch_gallery *g = NULL;
    CHECK_STATUS(biomatch_gallery_new(MODEL, 512, face_cal, finger_cal, &g), BIOMATCH_STATUS_OK);
    /* The gallery copied the calibrations: freeing them now must not matter. */
    biomatch_calibration_free(face_cal);
    biomatch_calibration_free(finger_cal);
    biomatch_face_template *w1 = read_face("face/watchlist_01.f32");
    biomatch_face_template *w2 = read_face("face/watchlist_02.f32");
    biomatch_face_template *p1 = read_face("face/probe_01.f32");
    const biomatch_finger_template *f1[1], *f2[1];
    f1[0] = read_finger("finger/101_1.iso");
    f2[0] = read_finger("finger/102_1.iso");
    CHECK_STATUS(biomatch_gallery_enrol(g, "one", w1, f1, 1), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_enrol(g, "two", w2, f2, 1), BIOMATCH_STATUS_OK);
    biomatch_finger_template *probe_finger = read_finger("finger/101_2.iso");
    const biomatch_finger_template *probe_fingers[1];
    probe_fingers[0] = probe_finger;
    biomatch_candidate_list *list = NULL;
    CHECK_STATUS(biomatch_gallery_identify(g, p1, probe_fingers, 1, 2, &list), BIOMATCH_STATUS_OK);
    size_t len = 0;
    CHECK_STATUS(biomatch_candidate_list_len(list, &len), BIOMATCH_STATUS_OK);
    CHECK(len == 2);
    biomatch_candidate c;
    CHECK_STATUS(biomatch_candidate_list_get(list, 0, &c), BIOMATCH_STATUS_OK);
    /* Calibrated: every FMR is a probability, the fused score is -log10(fused FMR). */
    CHECK(!isnan(c.fused_fmr) && c.fused_fmr >= 0.0 && c.fused_fmr <= 1.0);
    CHECK(!isnan(c.face_fmr) && !isnan(c.finger_fmr) && !isnan(c.finger_score));
    CHECK(c.fused_fmr == 0.0 || fabs(c.fused_score + log10(c.fused_fmr)) < 1e-6);
    CHECK(strcmp(c.subject_id, "one") == 0);
    /* Its per-modality scores are the Rust library's. */
    CHECK(fabsf(c.finger_score - expected("finger", "101_2", "101_1")) <= 1e-6f);
    CHECK(fabsf(c.face_score - expected("face", "probe_01", "watchlist_01")) < 1e-5f);
    biomatch_candidate_list_free(list);
    biomatch_finger_template_free(probe_finger);
    biomatch_finger_template_free((biomatch_finger_template *)f1[0]);
    biomatch_finger_template_free((biomatch_finger_template *)f2[0]);
    biomatch_face_template_free(w1);
    biomatch_face_template_free(w2);
    biomatch_face_template_free(p1);
    biomatch_gallery_free(g);
}

static void test_free_pattern(void) {
    /* _free(NULL) is a no-op for every handle type. */
    biomatch_finger_template_free(NULL);
    biomatch_face_template_free(NULL);
    biomatch_calibration_free(NULL);
    biomatch_gallery_free(NULL);
    biomatch_candidate_list_free(NULL);
    biomatch_bytes_free(NULL, 0);
    biomatch_bytes_free(NULL, 10);

    /* Free, set to NULL, free again: the second free is a no-op. */
    biomatch_finger_template *f = read_finger("finger/103_1.iso");
    biomatch_finger_template_free(f);
    f = NULL;
    biomatch_finger_template_free(f);
    biomatch_face_template *face = read_face("face/probe_02.f32");
    biomatch_face_template_free(face);
    face = NULL;
    biomatch_face_template_free(face);
    double one = 0.5;
    biomatch_calibration *c = NULL;
    CHECK_STATUS(biomatch_calibration_new(&one, 1, &c), BIOMATCH_STATUS_OK);
    biomatch_calibration_free(c);
    c = NULL;
    biomatch_calibration_free(c);
    CHECK(f == NULL && face == NULL && c == NULL);
}

static void test_panic_boundary(void) {
    CHECK_STATUS(biomatch_diagnostic_panic(), BIOMATCH_STATUS_PANIC);
    CHECK_MESSAGE_HAS("panic");
    CHECK_MESSAGE_HAS("biomatch_diagnostic_panic");
    /* The library keeps working after a caught panic, and success clears the message. */
    biomatch_face_template *t = read_face("face/probe_03.f32");
    CHECK(biomatch_last_error_message()[0] == '\0');
    biomatch_face_template_free(t);
    CHECK_STATUS(biomatch_diagnostic_panic(), BIOMATCH_STATUS_PANIC);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    fixtures = argv[1];
    load_expected();
    test_version();
    test_status_text();
    biomatch_finger_template *finger = read_finger("finger/101_1.iso");
    biomatch_face_template *face = read_face("face/watchlist_00.f32");
    test_null_handles_and_outputs(finger, face);
    biomatch_finger_template_free(finger);
    biomatch_face_template_free(face);
    test_buffers();
    test_truncated_and_garbage_templates();
    test_finger_templates();
    test_write_back();
    test_extract();
    test_faces();
    test_calibration();
    test_gallery_errors();
    test_gallery_identify_save_load();
    test_gallery_multimodal();
    test_free_pattern();
    test_panic_boundary();
    return check_report("test_api");
}
