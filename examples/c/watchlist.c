/* A watchlist tool over the biomatch gallery C API. Every change is saved atomically.
 *
 *   watchlist create GALLERY MODEL DIM            an empty gallery for MODEL embeddings
 *   watchlist enrol GALLERY ID [--face F.f32] [--finger T.iso]...
 *   watchlist remove GALLERY ID
 *   watchlist search GALLERY [--face F.f32] [--finger T.iso] [--top K]
 *   watchlist info GALLERY
 *   watchlist score A.iso B.iso                   1:1 finger score of two templates
 * Exit status: 0 success, 1 error, 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biomatch.h"
#include "util.h"

#define MAX_FINGERS 10

static int failed(const char *what, biomatch_status status) {
    fprintf(stderr, "watchlist: %s: %s (%s)\n", what, biomatch_status_str(status),
            biomatch_last_error_message());
    return 1;
}

static int usage(void) {
    fprintf(stderr,
            "usage: watchlist create GALLERY MODEL DIM\n"
            "       watchlist enrol GALLERY ID [--face F.f32] [--finger T.iso]...\n"
            "       watchlist remove GALLERY ID\n"
            "       watchlist search GALLERY [--face F.f32] [--finger T.iso] [--top K]\n"
            "       watchlist info GALLERY\n"
            "       watchlist score A.iso B.iso\n");
    return 2;
}

/* The biometrics named by --face / --finger options, in the gallery's face model. */
struct sample {
    biomatch_face_template *face;
    biomatch_finger_template *fingers[MAX_FINGERS];
    size_t finger_count;
    size_t top;
};

static void sample_free(struct sample *s) {
    biomatch_face_template_free(s->face);
    for (size_t i = 0; i < s->finger_count; i++) {
        biomatch_finger_template_free(s->fingers[i]);
    }
}

static biomatch_status read_finger(const char *path, biomatch_finger_template **out) {
    size_t len = 0;
    uint8_t *bytes = util_read_file(path, &len);
    if (bytes == NULL) {
        return BIOMATCH_STATUS_IO;
    }
    biomatch_status st = biomatch_finger_template_read(bytes, len, BIOMATCH_FORMAT_AUTO,
                                                       BIOMATCH_READ_FLAGS_LENIENT, out);
    free(bytes);
    return st;
}

static int parse_sample(const biomatch_gallery *g, int argc, char **argv, struct sample *s) {
    memset(s, 0, sizeof *s);
    s->top = 5;
    const char *model = NULL;
    biomatch_status st = biomatch_gallery_face_model(g, &model);
    if (st != BIOMATCH_STATUS_OK) {
        return failed("face model", st);
    }
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc) {
            return usage();
        }
        if (strcmp(argv[i], "--face") == 0 && s->face == NULL) {
            size_t dim = 0;
            float *values = util_read_f32(argv[i + 1], &dim);
            if (values == NULL) {
                return 1;
            }
            st = biomatch_face_template_new(model, values, dim, &s->face);
            free(values);
            if (st != BIOMATCH_STATUS_OK) {
                return failed(argv[i + 1], st);
            }
        } else if (strcmp(argv[i], "--finger") == 0 && s->finger_count < MAX_FINGERS) {
            st = read_finger(argv[i + 1], &s->fingers[s->finger_count]);
            if (st != BIOMATCH_STATUS_OK) {
                return failed(argv[i + 1], st);
            }
            s->finger_count++;
        } else if (strcmp(argv[i], "--top") == 0 && atoi(argv[i + 1]) > 0) {
            s->top = (size_t)atoi(argv[i + 1]);
        } else {
            return usage();
        }
    }
    return 0;
}

static int print_candidates(const biomatch_candidate_list *list) {
    size_t n = 0;
    biomatch_status st = biomatch_candidate_list_len(list, &n);
    if (st != BIOMATCH_STATUS_OK) {
        return failed("candidates", st);
    }
    printf("%zu candidate(s)\n", n);
    for (size_t i = 0; i < n; i++) {
        biomatch_candidate c;
        if ((st = biomatch_candidate_list_get(list, i, &c)) != BIOMATCH_STATUS_OK) {
            return failed("candidate", st);
        }
        printf("%zu. %s  fused %.4f", i + 1, c.subject_id, c.fused_score);
        if (!isnan(c.face_score)) {
            printf("  face %.4f", (double)c.face_score);
        }
        if (!isnan(c.finger_score)) {
            printf("  finger %.4f", (double)c.finger_score);
        }
        printf("\n");
    }
    return 0;
}

static int command_on_gallery(const char *command, const char *path, int argc, char **argv) {
    biomatch_gallery *g = NULL;
    biomatch_status st = biomatch_gallery_load(path, &g);
    if (st != BIOMATCH_STATUS_OK) {
        return failed(path, st);
    }
    int rc = 0;
    struct sample s;
    memset(&s, 0, sizeof s);
    if (strcmp(command, "info") == 0 && argc == 0) {
        size_t n = 0, dim = 0;
        const char *model = NULL;
        if ((st = biomatch_gallery_len(g, &n)) != BIOMATCH_STATUS_OK ||
            (st = biomatch_gallery_face_model(g, &model)) != BIOMATCH_STATUS_OK ||
            (st = biomatch_gallery_face_dimension(g, &dim)) != BIOMATCH_STATUS_OK) {
            rc = failed("info", st);
        } else {
            printf("%s: %zu subject(s), face model %s, dimension %zu\n", path, n, model, dim);
        }
    } else if (strcmp(command, "enrol") == 0 && argc >= 1) {
        rc = parse_sample(g, argc - 1, argv + 1, &s);
        if (rc == 0 &&
            ((st = biomatch_gallery_enrol(g, argv[0], s.face,
                                          (const biomatch_finger_template *const *)s.fingers,
                                          s.finger_count)) != BIOMATCH_STATUS_OK ||
             (st = biomatch_gallery_save(g, path)) != BIOMATCH_STATUS_OK)) {
            rc = failed("enrol", st);
        } else if (rc == 0) {
            printf("enrolled %s\n", argv[0]);
        }
    } else if (strcmp(command, "remove") == 0 && argc == 1) {
        if ((st = biomatch_gallery_remove(g, argv[0])) != BIOMATCH_STATUS_OK ||
            (st = biomatch_gallery_save(g, path)) != BIOMATCH_STATUS_OK) {
            rc = failed("remove", st);
        } else {
            printf("removed %s\n", argv[0]);
        }
    } else if (strcmp(command, "search") == 0) {
        biomatch_candidate_list *list = NULL;
        rc = parse_sample(g, argc, argv, &s);
        if (rc == 0 && (st = biomatch_gallery_identify(
                            g, s.face, (const biomatch_finger_template *const *)s.fingers,
                            s.finger_count, s.top, &list)) != BIOMATCH_STATUS_OK) {
            rc = failed("search", st);
        } else if (rc == 0) {
            rc = print_candidates(list);
        }
        biomatch_candidate_list_free(list);
    } else {
        rc = usage();
    }
    sample_free(&s);
    biomatch_gallery_free(g);
    return rc;
}

static int create(const char *path, const char *model, const char *dim_text) {
    long dim = atol(dim_text);
    biomatch_gallery *g = NULL;
    biomatch_status st = biomatch_gallery_new(model, dim > 0 ? (size_t)dim : 0, NULL, NULL, &g);
    if (st == BIOMATCH_STATUS_OK) {
        st = biomatch_gallery_save(g, path);
    }
    biomatch_gallery_free(g);
    if (st != BIOMATCH_STATUS_OK) {
        return failed("create", st);
    }
    printf("created %s for %s embeddings of dimension %ld\n", path, model, dim);
    return 0;
}

static int score(const char *a_path, const char *b_path) {
    biomatch_finger_template *a = NULL, *b = NULL;
    float value = 0;
    biomatch_status st;
    int rc = 0;
    if ((st = read_finger(a_path, &a)) != BIOMATCH_STATUS_OK ||
        (st = read_finger(b_path, &b)) != BIOMATCH_STATUS_OK ||
        (st = biomatch_finger_score(a, b, &value)) != BIOMATCH_STATUS_OK) {
        rc = failed("score", st);
    } else {
        printf("%.6f\n", (double)value);
    }
    biomatch_finger_template_free(a);
    biomatch_finger_template_free(b);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        return usage();
    }
    if (strcmp(argv[1], "create") == 0) {
        return argc == 5 ? create(argv[2], argv[3], argv[4]) : usage();
    }
    if (strcmp(argv[1], "score") == 0) {
        return argc == 4 ? score(argv[2], argv[3]) : usage();
    }
    return command_on_gallery(argv[1], argv[2], argc - 3, argv + 3);
}
