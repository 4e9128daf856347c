/* Concurrency test: 4 threads identify while a fifth enrols and removes subjects on the same
 * gallery. Run under ThreadSanitizer by scripts/c-ci.sh (and under ASan and valgrind).
 *
 * Checks, per search: every candidate is a subject that exists at some point (no phantom
 * ids), its face score equals the 1:1 score computed independently on this thread, and a
 * stable subject's own embedding always finds it first. Also checks the last-error message
 * is per thread: the writer provokes errors while readers see "" after each success.
 * Usage: test_threads FIXTURES_DIR */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biomatch.h"
#include "util.h"

#define STABLE 10  /* watchlist_00..09: enrolled throughout */
#define CHURN 10   /* watchlist_10..19: enrolled and removed by the writer */
#define READERS 4
#define SEARCHES 150 /* per reader; a second argument overrides it (valgrind runs fewer) */
#define ROUNDS 30

static biomatch_face_template *faces[STABLE + CHURN];
static biomatch_gallery *gallery;

struct reader {
    int index;
    int failures;
    long searches;
};

struct writer {
    int failures;
    int rounds;
};

/* Readers still running; the writer keeps enrolling and removing until they are done. */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static int readers_running = READERS;

static int readers_still_running(void) {
    pthread_mutex_lock(&running_lock);
    int n = readers_running;
    pthread_mutex_unlock(&running_lock);
    return n;
}

static int subject_index(const char *id) {
    /* Ids are "sNN" (stable) or "cNN" (churn); anything else is a phantom. */
    if ((id[0] != 's' && id[0] != 'c') || strlen(id) != 3) {
        return -1;
    }
    int k = atoi(id + 1);
    if (id[0] == 's' && k >= 0 && k < STABLE) {
        return k;
    }
    if (id[0] == 'c' && k >= STABLE && k < STABLE + CHURN) {
        return k;
    }
    return -1;
}

static int searches_per_reader = SEARCHES;

static void *read_loop(void *arg) {
    struct reader *r = (struct reader *)arg;
    for (int i = 0; i < searches_per_reader; i++) {
        int probe = (r->index * 7 + i) % (STABLE + CHURN);
        biomatch_candidate_list *list = NULL;
        if (biomatch_gallery_identify_face(gallery, faces[probe], 5, &list) !=
                BIOMATCH_STATUS_OK ||
            biomatch_last_error_message()[0] != '\0') {
            fprintf(stderr, "reader %d: identify failed: %s\n", r->index,
                    biomatch_last_error_message());
            r->failures++;
            continue;
        }
        /* Ten stable subjects are always enrolled: every list holds exactly five. */
        size_t len = 0;
        if (biomatch_candidate_list_len(list, &len) != BIOMATCH_STATUS_OK || len != 5) {
            fprintf(stderr, "reader %d: %zu candidates, expected 5\n", r->index, len);
            r->failures++;
        }
        for (size_t c = 0; c < len; c++) {
            biomatch_candidate cand;
            if (biomatch_candidate_list_get(list, c, &cand) != BIOMATCH_STATUS_OK) {
                r->failures++;
                continue;
            }
            int k = subject_index(cand.subject_id);
            float direct = NAN;
            if (k < 0 || biomatch_face_score(faces[probe], faces[k], &direct) !=
                             BIOMATCH_STATUS_OK ||
                fabsf(direct - cand.face_score) > 1e-4f) {
                fprintf(stderr, "reader %d: candidate %s score %f, direct %f\n", r->index,
                        cand.subject_id, (double)cand.face_score, (double)direct);
                r->failures++;
            }
            if (c == 0 && probe < STABLE && k != probe) {
                fprintf(stderr, "reader %d: stable subject %d not first (%s)\n", r->index,
                        probe, cand.subject_id);
                r->failures++;
            }
        }
        biomatch_candidate_list_free(list);
        r->searches++;
    }
    pthread_mutex_lock(&running_lock);
    readers_running--;
    pthread_mutex_unlock(&running_lock);
    return NULL;
}

static void *write_loop(void *arg) {
    struct writer *w = (struct writer *)arg;
    char id[8];
    for (int round = 0; round < ROUNDS || readers_still_running() > 0; round++) {
        w->rounds++;
        for (int k = STABLE; k < STABLE + CHURN; k++) {
            snprintf(id, sizeof id, "c%02d", k);
            if (biomatch_gallery_enrol(gallery, id, faces[k], NULL, 0) != BIOMATCH_STATUS_OK) {
                w->failures++;
            }
        }
        /* A duplicate: this thread's message names it, the readers' stay empty. */
        if (biomatch_gallery_enrol(gallery, "s00", faces[0], NULL, 0) !=
                BIOMATCH_STATUS_DUPLICATE_ID ||
            strstr(biomatch_last_error_message(), "s00") == NULL) {
            w->failures++;
        }
        for (int k = STABLE; k < STABLE + CHURN; k++) {
            snprintf(id, sizeof id, "c%02d", k);
            if (biomatch_gallery_remove(gallery, id) != BIOMATCH_STATUS_OK) {
                w->failures++;
            }
        }
        if (biomatch_gallery_remove(gallery, "c10") != BIOMATCH_STATUS_UNKNOWN_ID) {
            w->failures++;
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s FIXTURES_DIR [SEARCHES_PER_READER]\n", argv[0]);
        return 2;
    }
    if (argc == 3 && (searches_per_reader = atoi(argv[2])) <= 0) {
        fprintf(stderr, "SEARCHES_PER_READER must be a positive number\n");
        return 2;
    }
    int failures = 0;
    char name[64];
    for (int k = 0; k < STABLE + CHURN; k++) {
        size_t dim = 0;
        snprintf(name, sizeof name, "face/watchlist_%02d.f32", k);
        float *values = util_read_f32(util_path(argv[1], name), &dim);
        if (values == NULL ||
            biomatch_face_template_new("facenet512", values, dim, &faces[k]) !=
                BIOMATCH_STATUS_OK) {
            fprintf(stderr, "cannot load %s\n", name);
            return 1;
        }
        free(values);
    }
    if (biomatch_gallery_new("facenet512", 512, NULL, NULL, &gallery) != BIOMATCH_STATUS_OK) {
        return 1;
    }
    for (int k = 0; k < STABLE; k++) {
        snprintf(name, sizeof name, "s%02d", k);
        failures += biomatch_gallery_enrol(gallery, name, faces[k], NULL, 0) != BIOMATCH_STATUS_OK;
    }

    pthread_t threads[READERS + 1];
    struct reader readers[READERS];
    struct writer writer;
    memset(&writer, 0, sizeof writer);
    for (int t = 0; t < READERS; t++) {
        memset(&readers[t], 0, sizeof readers[t]);
        readers[t].index = t;
        pthread_create(&threads[t], NULL, read_loop, &readers[t]);
    }
    pthread_create(&threads[READERS], NULL, write_loop, &writer);
    for (int t = 0; t <= READERS; t++) {
        pthread_join(threads[t], NULL);
    }

    long searches = 0;
    for (int t = 0; t < READERS; t++) {
        failures += readers[t].failures;
        searches += readers[t].searches;
    }
    failures += writer.failures;
    size_t len = 0;
    biomatch_gallery_len(gallery, &len);
    failures += len != STABLE;
    biomatch_gallery_free(gallery);
    for (int k = 0; k < STABLE + CHURN; k++) {
        biomatch_face_template_free(faces[k]);
    }
    int passed = failures == 0 ? 1 : 0;
    printf("test_threads: %ld searches by %d threads during %d enrol/remove rounds\n", searches,
           READERS, writer.rounds);
    printf("test_threads: %d passed, %d failed\n", passed, failures == 0 ? 0 : 1);
    return failures == 0 ? 0 : 1;
}
