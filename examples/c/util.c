#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t *util_read_file(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = (uint8_t *)malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) {
            break;
        }
        uint8_t *bigger = (uint8_t *)realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
        } else {
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf != NULL && ferror(f)) {
        fprintf(stderr, "cannot read %s\n", path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        *out_len = len;
    }
    return buf;
}

float *util_read_f32(const char *path, size_t *out_count) {
    size_t len = 0;
    uint8_t *bytes = util_read_file(path, &len);
    if (bytes == NULL) {
        return NULL;
    }
    if (len % 4 != 0) {
        fprintf(stderr, "%s: %zu bytes is not a whole number of float32 values\n", path, len);
        free(bytes);
        return NULL;
    }
    size_t count = len / 4;
    float *values = (float *)malloc(count > 0 ? count * sizeof(float) : 1);
    if (values != NULL) {
        for (size_t i = 0; i < count; i++) {
            const uint8_t *b = bytes + 4 * i;
            uint32_t bits = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
                            ((uint32_t)b[3] << 24);
            memcpy(&values[i], &bits, sizeof bits);
        }
        *out_count = count;
    }
    free(bytes);
    return values;
}

double *util_read_scores(const char *path, size_t *out_count) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1024, count = 0;
    double *scores = (double *)malloc(cap * sizeof(double));
    double value;
    while (scores != NULL && fscanf(f, "%lf", &value) == 1) {
        if (count == cap) {
            double *bigger = (double *)realloc(scores, 2 * cap * sizeof(double));
            if (bigger == NULL) {
                free(scores);
                scores = NULL;
                break;
            }
            scores = bigger;
            cap *= 2;
        }
        scores[count++] = value;
    }
    fclose(f);
    if (scores != NULL) {
        *out_count = count;
    }
    return scores;
}

const char *util_path(const char *dir, const char *name) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

uint8_t *util_read_pgm(const char *path, uint32_t *out_width, uint32_t *out_height) {
    size_t len = 0;
    uint8_t *file = util_read_file(path, &len);
    if (file == NULL) {
        return NULL;
    }
    unsigned width = 0, height = 0, maxval = 0;
    int header = 0;
    /* "P5" <ws> width <ws> height <ws> maxval <one ws> pixels (no comments in our files). */
    char text[64];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    memcpy(text, file, n);
    text[n] = '\0';
    if (sscanf(text, "P5 %u %u %u%n", &width, &height, &maxval, &header) != 3 || maxval != 255 ||
        width == 0 || height == 0 || (size_t)header + 1 + (size_t)width * height > len) {
        fprintf(stderr, "%s: not an 8-bit binary PGM\n", path);
        free(file);
        return NULL;
    }
    uint8_t *pixels = (uint8_t *)malloc((size_t)width * height);
    if (pixels != NULL) {
        memcpy(pixels, file + header + 1, (size_t)width * height);
        *out_width = width;
        *out_height = height;
    }
    free(file);
    return pixels;
}
