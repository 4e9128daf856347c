/* C tests of the ANSI/NIST-ITL transaction exports: read NIST's sample Type-9 transaction
 * (records, a field, warnings, the minutiae as a template scored against itself), build a
 * transaction from a fixture image (Type-2 text, Type-14 WSQ + Type-9, Type-10 face), write
 * it, read it back, compare, decode its image; typed errors on bad input.
 * Usage: test_an2k FIXTURES_DIR (fixtures/c; the sample is FIXTURES_DIR/../templates). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void read_sample(const char *fixtures) {
    char path[4096];
    unsigned char *data;
    size_t len = 0, n = 0, i, flen = 0;
    biomatch_an2k_transaction *t = NULL;
    biomatch_an2k_record_desc info;
    biomatch_finger_template *tmpl = NULL;
    biomatch_read_options options;
    const uint8_t *value = NULL;
    float score = 0.0f;

    snprintf(path, sizeof path, "%s/../templates/libbiomeval_type9.an2k", fixtures);
    data = read_file(path, &len);
    CHECK(data != NULL);
    if (data == NULL) return;
    CHECK_STATUS(biomatch_an2k_read(data, len, BIOMATCH_READ_FLAGS_LENIENT, &t),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_an2k_record_count(t, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 2);
    for (i = 0; i < n; i++) {
        CHECK_STATUS(biomatch_an2k_record_info(t, i, &info), BIOMATCH_STATUS_OK);
        CHECK(info.record_type == (i == 0 ? 1u : 9u));
    }
    CHECK_STATUS(biomatch_an2k_record_info(t, n, &info), BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(biomatch_an2k_field(t, 0, 2, &value, &flen), BIOMATCH_STATUS_OK);
    CHECK(flen == 4 && value != NULL && memcmp(value, "0300", 4) == 0);
    CHECK_STATUS(biomatch_an2k_field(t, 0, 998, &value, &flen),
                 BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    /* No image record: the strict minutiae read needs the height, the lenient one warns. */
    memset(&options, 0, sizeof options);
    options.flags = BIOMATCH_READ_FLAGS_STRICT;
    CHECK_STATUS(biomatch_an2k_finger_template(t, 1, &options, &tmpl),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(tmpl == NULL);
    CHECK_STATUS(biomatch_an2k_finger_template(t, 1, NULL, &tmpl), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_template_warning_count(tmpl, &n), BIOMATCH_STATUS_OK);
    CHECK(n >= 1);
    if (n >= 1) {
        const char *text = NULL;
        CHECK_STATUS(biomatch_finger_template_warning(tmpl, 0, &text), BIOMATCH_STATUS_OK);
        CHECK(text != NULL && strstr(text, "height") != NULL);
    }
    CHECK_STATUS(biomatch_finger_score(tmpl, tmpl, &score), BIOMATCH_STATUS_OK);
    CHECK(score > 0.0f);
    biomatch_finger_template_free(tmpl);
    biomatch_an2k_free(t);

    /* Truncated and garbage input: typed errors, nothing written. */
    t = NULL;
    CHECK_STATUS(biomatch_an2k_read(data, len / 2, BIOMATCH_READ_FLAGS_STRICT, &t),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK(t == NULL);
    CHECK_STATUS(biomatch_an2k_read(data, 3, BIOMATCH_READ_FLAGS_LENIENT, &t),
                 BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK_STATUS(biomatch_an2k_read(NULL, 3, BIOMATCH_READ_FLAGS_LENIENT, &t),
                 BIOMATCH_STATUS_NULL_ARGUMENT);
    biomatch_an2k_free(NULL);
    free(data);
}

static void build_and_read_back(const char *fixtures) {
    char path[4096], head[64];
    unsigned char *pgm, *out = NULL, *pixels = NULL;
    size_t pgm_len = 0, out_len = 0, n = 0, len = 0, pixels_len = 0;
    const unsigned char *px;
    unsigned w = 0, h = 0, maxval = 0;
    int header = 0;
    biomatch_an2k_builder *b = NULL;
    biomatch_an2k_transaction *t = NULL;
    biomatch_an2k_image_desc info;
    biomatch_finger_template *stored = NULL, *direct = NULL;
    biomatch_finger_view_info vs, vd;
    const uint8_t *value = NULL;
    const char *name = NULL;
    uint32_t ow = 0, oh = 0;
    static const unsigned char face[] = {0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9};
    const uint32_t numbers[] = {30};
    const char *values[] = {"DOE\x1fJOHN"};

    snprintf(path, sizeof path, "%s/image/101_1.pgm", fixtures);
    pgm = read_file(path, &pgm_len);
    CHECK(pgm != NULL);
    if (pgm == NULL) return;
    /* sscanf needs a NUL-terminated string: the header, copied (the file buffer has no NUL). */
    memset(head, 0, sizeof head);
    memcpy(head, pgm, pgm_len < sizeof head - 1 ? pgm_len : sizeof head - 1);
    CHECK(sscanf(head, "P5 %u %u %u%n", &w, &h, &maxval, &header) == 3);
    px = pgm + header + 1;
    CHECK(maxval == 255 && (size_t)header + 1 + (size_t)w * h == pgm_len);

    CHECK_STATUS(biomatch_an2k_builder_new("CAR", &b), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_an2k_builder_add_text(b, numbers, values, 1), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_an2k_builder_add_finger(b, px, (size_t)w * h, w, h, w, 500.0f, 2, 0.0f,
                                                  true),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_an2k_builder_add_face(b, face, sizeof face, 480, 640),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_an2k_builder_add_face(b, px, 16, 480, 640),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_an2k_builder_write(b, &out, &out_len), BIOMATCH_STATUS_OK);
    biomatch_an2k_builder_free(b);

    CHECK_STATUS(biomatch_an2k_read(out, out_len, BIOMATCH_READ_FLAGS_STRICT, &t),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_an2k_record_count(t, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 5);
    CHECK_STATUS(biomatch_an2k_warning_count(t, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 0);
    CHECK_STATUS(biomatch_an2k_field(t, 1, 30, &value, &len), BIOMATCH_STATUS_OK);
    CHECK(len == 8 && memcmp(value, "DOE\x1fJOHN", 8) == 0);
    CHECK_STATUS(biomatch_an2k_image_count(t, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 2);
    CHECK_STATUS(biomatch_an2k_image_info(t, 0, &info), BIOMATCH_STATUS_OK);
    CHECK(info.kind == 1 && info.record_type == 14 && info.width == w && info.height == h &&
          info.ppi == 500.0f && info.compression == 1);
    CHECK_STATUS(biomatch_an2k_image_compression_name(t, 0, &name), BIOMATCH_STATUS_OK);
    CHECK(name != NULL && strcmp(name, "WSQ20") == 0);
    CHECK_STATUS(biomatch_an2k_image_decode(t, 0, &pixels, &pixels_len, &ow, &oh),
                 BIOMATCH_STATUS_OK);
    CHECK(ow == w && oh == h && pixels_len == (size_t)w * h);
    biomatch_bytes_free(pixels, pixels_len);
    CHECK_STATUS(biomatch_an2k_image_data(t, 1, &value, &len), BIOMATCH_STATUS_OK);
    CHECK(len == sizeof face && memcmp(value, face, len) == 0);

    /* The stored minutiae: as many as extracting the image directly gives. */
    CHECK_STATUS(biomatch_an2k_finger_template(t, 3, NULL, &stored), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_extract(px, (size_t)w * h, w, h, w, 500.0f, &direct),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_template_view_info(stored, 0, &vs), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_finger_template_view_info(direct, 0, &vd), BIOMATCH_STATUS_OK);
    CHECK(vs.minutia_count == vd.minutia_count && vs.minutia_count > 0);
    CHECK(vs.finger_position == 2 && vs.height == h);
    biomatch_finger_template_free(stored);
    biomatch_finger_template_free(direct);
    biomatch_an2k_free(t);
    biomatch_bytes_free(out, out_len);
    free(pgm);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    read_sample(argv[1]);
    build_and_read_back(argv[1]);
    return check_report("test_an2k");
}
