/* Small file helpers shared by the C examples and tests (not part of the biomatch API). */
#ifndef BIOMATCH_EXAMPLE_UTIL_H
#define BIOMATCH_EXAMPLE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a whole file into a malloc'd buffer (free it with free()); NULL on failure, with a
 * message on stderr. An empty file gives a 1-byte allocation and *out_len == 0. */
uint8_t *util_read_file(const char *path, size_t *out_len);

/* Reads a file of raw little-endian float32 values (a face embedding); free() the result. */
float *util_read_f32(const char *path, size_t *out_count);

/* Reads a text file of numbers, one per line; free() the result. */
double *util_read_scores(const char *path, size_t *out_count);

/* Reads a binary 8-bit PGM (P5) image; free() the result. */
uint8_t *util_read_pgm(const char *path, uint32_t *out_width, uint32_t *out_height);

/* Joins dir and name into a static buffer (not thread-safe; fine for the examples). */
const char *util_path(const char *dir, const char *name);

#ifdef __cplusplus
}
#endif

#endif
