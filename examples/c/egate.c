/* An automated border gate, through the biomatch C API:
 *   1. verify the traveller's live face against the embedding from the passport chip (1:1),
 *   2. check the live face against a watchlist gallery (1:N),
 *   3. verify the traveller's fingerprint against the enrolled template (1:1),
 * each decided at a threshold calibrated for a target false-match rate.
 *
 * usage: egate --face-impostors SCORES.txt --passport-face CHIP.f32 --live-face LIVE.f32
 *              [--watchlist GALLERY.bmg] [--fmr 0.001] [--model facenet512]
 *              [--passport-finger A.iso (--live-finger B.iso | --live-finger-image B.pgm)
 *               --finger-impostors SCORES.txt [--min-quality 25]]
 * Embeddings are raw little-endian float32 files; finger templates ISO/ANSI records; a live
 * finger image is an 8-bit PGM at 500 ppi, whose quality is checked before it is matched.
 * Exit status: 0 open the gate, 3 refer the traveller to an officer, 4 ask for another finger
 * capture (quality below the minimum), 1 error, 2 usage. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "biomatch.h"
#include "util.h"

struct options {
    const char *face_impostors, *passport_face, *live_face, *watchlist, *model;
    const char *passport_finger, *live_finger, *live_finger_image, *finger_impostors;
    double fmr;
    int min_quality;
};

static int failed(const char *what, biomatch_status status) {
    fprintf(stderr, "egate: %s: %s (%s)\n", what, biomatch_status_str(status),
            biomatch_last_error_message());
    return 1;
}

static int usage(void) {
    fprintf(stderr,
            "usage: egate --face-impostors F --passport-face F --live-face F [--watchlist F]\n"
            "             [--fmr X] [--model NAME] [--passport-finger F (--live-finger F |\n"
            "             --live-finger-image F.pgm) --finger-impostors F [--min-quality N]]\n");
    return 2;
}

static int parse(int argc, char **argv, struct options *o) {
    memset(o, 0, sizeof *o);
    o->fmr = 0.001;
    o->model = "facenet512";
    o->min_quality = 25;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) {
            return 0;
        }
        const char *k = argv[i], *v = argv[i + 1];
        if (strcmp(k, "--face-impostors") == 0) o->face_impostors = v;
        else if (strcmp(k, "--passport-face") == 0) o->passport_face = v;
        else if (strcmp(k, "--live-face") == 0) o->live_face = v;
        else if (strcmp(k, "--watchlist") == 0) o->watchlist = v;
        else if (strcmp(k, "--model") == 0) o->model = v;
        else if (strcmp(k, "--passport-finger") == 0) o->passport_finger = v;
        else if (strcmp(k, "--live-finger") == 0) o->live_finger = v;
        else if (strcmp(k, "--live-finger-image") == 0) o->live_finger_image = v;
        else if (strcmp(k, "--min-quality") == 0) o->min_quality = atoi(v);
        else if (strcmp(k, "--finger-impostors") == 0) o->finger_impostors = v;
        else if (strcmp(k, "--fmr") == 0) o->fmr = atof(v);
        else return 0;
    }
    if (o->live_finger != NULL && o->live_finger_image != NULL) {
        return 0;
    }
    int fingers = (o->passport_finger != NULL) +
                  (o->live_finger != NULL || o->live_finger_image != NULL) +
                  (o->finger_impostors != NULL);
    return o->face_impostors && o->passport_face && o->live_face && (fingers == 0 || fingers == 3);
}

/* A calibration from a file of impostor scores. */
static biomatch_status load_calibration(const char *path, biomatch_calibration **out,
                                        size_t *count) {
    double *scores = util_read_scores(path, count);
    if (scores == NULL) {
        return BIOMATCH_STATUS_IO;
    }
    biomatch_status st = biomatch_calibration_new(scores, *count, out);
    free(scores);
    return st;
}

static biomatch_status load_face(const char *model, const char *path,
                                 biomatch_face_template **out) {
    size_t dim = 0;
    float *values = util_read_f32(path, &dim);
    if (values == NULL) {
        return BIOMATCH_STATUS_IO;
    }
    biomatch_status st = biomatch_face_template_new(model, values, dim, out);
    free(values);
    return st;
}

/* Extracts a live capture (8-bit PGM at 500 ppi) and reports its quality. */
static biomatch_status capture_finger(const char *path, biomatch_finger_template **out,
                                      biomatch_finger_quality_report *quality) {
    uint32_t w = 0, h = 0;
    uint8_t *pixels = util_read_pgm(path, &w, &h);
    if (pixels == NULL) {
        return BIOMATCH_STATUS_IO;
    }
    biomatch_status st = biomatch_finger_extract_with_quality(pixels, (size_t)w * h, w, h, w,
                                                              500.0f, out, quality);
    free(pixels);
    return st;
}

/* What to tell the traveller, from the quality flags. */
static const char *advice(uint32_t flags) {
    if (flags & BIOMATCH_QUALITY_FLAG_LOW_CONTRAST) return "press a little firmer; clean the glass";
    if (flags & BIOMATCH_QUALITY_FLAG_NEAR_EDGE) return "centre the finger on the glass";
    if (flags & BIOMATCH_QUALITY_FLAG_SMALL_FOREGROUND) return "lay the finger flat on the glass";
    return "place the finger again, flat and still";
}

static biomatch_status load_finger(const char *path, biomatch_finger_template **out) {
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

int main(int argc, char **argv) {
    struct options o;
    if (!parse(argc, argv, &o)) {
        return usage();
    }
    if (strcmp(biomatch_version(), BIOMATCH_VERSION) != 0) {
        fprintf(stderr, "egate: built with biomatch.h %s but running libbiomatch %s\n",
                BIOMATCH_VERSION, biomatch_version());
        return 1;
    }
    printf("biomatch %s e-gate, target false-match rate %g\n", biomatch_version(), o.fmr);

    int rc = 1, refer = 0;
    biomatch_status st;
    biomatch_calibration *face_cal = NULL, *finger_cal = NULL;
    biomatch_face_template *chip = NULL, *live = NULL;
    biomatch_finger_template *enrolled = NULL, *captured = NULL;
    biomatch_gallery *watchlist = NULL;
    biomatch_candidate_list *hits = NULL;
    size_t n = 0;
    double threshold = 0;
    float score = 0;

    /* 1. Face 1:1 against the passport chip. */
    if ((st = load_calibration(o.face_impostors, &face_cal, &n)) != BIOMATCH_STATUS_OK) {
        failed("face calibration", st);
        goto done;
    }
    if ((st = biomatch_calibration_threshold_for_fmr(face_cal, o.fmr, &threshold)) !=
        BIOMATCH_STATUS_OK) {
        failed("face threshold", st);
        goto done;
    }
    if ((st = load_face(o.model, o.passport_face, &chip)) != BIOMATCH_STATUS_OK ||
        (st = load_face(o.model, o.live_face, &live)) != BIOMATCH_STATUS_OK) {
        failed("face embedding", st);
        goto done;
    }
    if ((st = biomatch_face_score(live, chip, &score)) != BIOMATCH_STATUS_OK) {
        failed("face score", st);
        goto done;
    }
    int face_ok = score >= threshold;
    printf("1. face 1:1 live vs passport chip: score %.4f, threshold %.4f (%zu impostor "
           "scores) -> %s\n",
           (double)score, threshold, n, face_ok ? "MATCH" : "NO MATCH");
    refer |= !face_ok;

    /* 2. Watchlist 1:N: the threshold keeps the false-positive identification rate near the
     * target by asking each comparison for FMR / N. */
    if (o.watchlist != NULL) {
        size_t subjects = 0, count = 0;
        double wl_threshold = 0;
        if ((st = biomatch_gallery_load(o.watchlist, &watchlist)) != BIOMATCH_STATUS_OK ||
            (st = biomatch_gallery_len(watchlist, &subjects)) != BIOMATCH_STATUS_OK) {
            failed("watchlist", st);
            goto done;
        }
        double per_comparison = o.fmr / (double)(subjects > 0 ? subjects : 1);
        if ((st = biomatch_calibration_threshold_for_fmr(face_cal, per_comparison,
                                                         &wl_threshold)) != BIOMATCH_STATUS_OK ||
            (st = biomatch_gallery_identify_face(watchlist, live, 5, &hits)) !=
                BIOMATCH_STATUS_OK ||
            (st = biomatch_candidate_list_len(hits, &count)) != BIOMATCH_STATUS_OK) {
            failed("watchlist search", st);
            goto done;
        }
        int alarms = 0;
        for (size_t i = 0; i < count; i++) {
            biomatch_candidate c;
            if ((st = biomatch_candidate_list_get(hits, i, &c)) != BIOMATCH_STATUS_OK) {
                failed("watchlist candidate", st);
                goto done;
            }
            if (!isnan(c.face_score) && c.face_score >= wl_threshold) {
                printf("   watchlist HIT: subject %s, face score %.4f\n", c.subject_id,
                       (double)c.face_score);
                alarms++;
            }
        }
        printf("2. watchlist 1:N over %zu subjects: threshold %.4f (FMR %.2g per comparison) "
               "-> %s\n",
               subjects, wl_threshold, per_comparison, alarms ? "HIT" : "CLEAR");
        refer |= alarms > 0;
    }

    /* 3. Finger 1:1 against the enrolled template. */
    if (o.passport_finger != NULL) {
        double finger_threshold = 0;
        if ((st = load_calibration(o.finger_impostors, &finger_cal, &n)) !=
                BIOMATCH_STATUS_OK ||
            (st = biomatch_calibration_threshold_for_fmr(finger_cal, o.fmr,
                                                         &finger_threshold)) !=
                BIOMATCH_STATUS_OK) {
            failed("finger calibration", st);
            goto done;
        }
        if ((st = load_finger(o.passport_finger, &enrolled)) != BIOMATCH_STATUS_OK) {
            failed("finger template", st);
            goto done;
        }
        if (o.live_finger_image != NULL) {
            biomatch_finger_quality_report q;
            memset(&q, 0, sizeof q);
            if ((st = capture_finger(o.live_finger_image, &captured, &q)) != BIOMATCH_STATUS_OK) {
                failed("finger capture", st);
                goto done;
            }
            printf("3. finger capture: quality %u (flags 0x%x, %u minutiae, %.0f mm2)\n",
                   (unsigned)q.score, (unsigned)q.flags, (unsigned)q.minutiae,
                   (double)q.area_mm2);
            if (q.score < o.min_quality) {
                printf("   quality below %d -> RECAPTURE: %s\n", o.min_quality, advice(q.flags));
                rc = 4;
                goto done;
            }
        } else if ((st = load_finger(o.live_finger, &captured)) != BIOMATCH_STATUS_OK) {
            failed("finger template", st);
            goto done;
        }
        if ((st = biomatch_finger_score(captured, enrolled, &score)) != BIOMATCH_STATUS_OK) {
            failed("finger score", st);
            goto done;
        }
        int finger_ok = score >= finger_threshold;
        printf("3. finger 1:1 live vs enrolled: score %.4f, threshold %.4f (%zu impostor "
               "scores) -> %s\n",
               (double)score, finger_threshold, n, finger_ok ? "MATCH" : "NO MATCH");
        refer |= !finger_ok;
    }

    printf("decision: %s\n", refer ? "REFER TO OFFICER" : "OPEN GATE");
    rc = refer ? 3 : 0;

done:
    biomatch_candidate_list_free(hits);
    biomatch_gallery_free(watchlist);
    biomatch_finger_template_free(enrolled);
    biomatch_finger_template_free(captured);
    biomatch_face_template_free(chip);
    biomatch_face_template_free(live);
    biomatch_calibration_free(face_cal);
    biomatch_calibration_free(finger_cal);
    return rc;
}
