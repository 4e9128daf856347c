#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, mkdtemp */
#endif
/* C tests of the watchlist exports: records set and read back with candidates, validity
 * windows and filters in identify_with_options, purge, encrypted save/load (wrong key, plain
 * file with a key, bit flips, rekeying), and an audit log attached to a gallery handle that
 * verifies, then detects an edit.
 * Usage: test_watchlist FIXTURES_DIR (fixtures/c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

static biomatch_finger_template *finger(const char *dir, const char *name) {
    size_t len = 0;
    uint8_t *bytes = util_read_file(util_path(dir, name), &len);
    biomatch_finger_template *t = NULL;
    if (bytes != NULL) {
        CHECK_STATUS(biomatch_finger_template_read(bytes, len, BIOMATCH_FORMAT_AUTO,
                                                   BIOMATCH_READ_FLAGS_LENIENT, &t),
                     BIOMATCH_STATUS_OK);
    }
    free(bytes);
    return t;
}

#define T0 1800000000LL

/* Ids of the candidates of an identify call with `options`, joined by commas. */
static void identify(const biomatch_gallery *g, const biomatch_finger_template *probe,
                     const biomatch_search_options *o, char *out, size_t cap) {
    biomatch_candidate_list *list = NULL;
    out[0] = '\0';
    CHECK_STATUS(biomatch_gallery_identify_with_options(g, NULL, &probe, 1, o, &list),
                 BIOMATCH_STATUS_OK);
    size_t n = 0;
    CHECK_STATUS(biomatch_candidate_list_len(list, &n), BIOMATCH_STATUS_OK);
    for (size_t i = 0; i < n; i++) {
        biomatch_candidate c;
        CHECK_STATUS(biomatch_candidate_list_get(list, i, &c), BIOMATCH_STATUS_OK);
        /* Only strong candidates (the probe's own finger scores far above others). */
        if (c.fused_score < 0.3) {
            continue;
        }
        if (out[0] != '\0') {
            strncat(out, ",", cap - strlen(out) - 1);
        }
        strncat(out, c.subject_id, cap - strlen(out) - 1);
    }
    biomatch_candidate_list_free(list);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    biomatch_finger_template *e1 = finger(dir, "finger/101_1.iso");
    biomatch_finger_template *p1 = finger(dir, "finger/101_2.iso");
    biomatch_finger_template *e2 = finger(dir, "finger/102_1.iso");
    biomatch_finger_template *p2 = finger(dir, "finger/102_2.iso");
    if (e1 == NULL || p1 == NULL || e2 == NULL || p2 == NULL) {
        return check_report("test_watchlist");
    }

    char tmpl[] = "/tmp/bm-watchlist-XXXXXX";
    char *tmp = mkdtemp(tmpl);
    CHECK(tmp != NULL);
    if (tmp == NULL) {
        return check_report("test_watchlist");
    }
    char audit_path[256], gallery_path[256];
    snprintf(audit_path, sizeof audit_path, "%s/audit.log", tmp);
    snprintf(gallery_path, sizeof gallery_path, "%s/w.bmg", tmp);

    biomatch_gallery *g = NULL;
    CHECK_STATUS(biomatch_gallery_new("m", 128, NULL, NULL, &g), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_set_audit_log(g, audit_path, NULL, 0, "gate-7"),
                 BIOMATCH_STATUS_OK);
    const biomatch_finger_template *f1[] = {e1};
    const biomatch_finger_template *f2[] = {e2};
    /* The same finger under three ids: valid, expired, a missing person of another agency. */
    CHECK_STATUS(biomatch_gallery_enrol(g, "valid", NULL, f1, 1), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_enrol(g, "expired", NULL, f1, 1), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_enrol(g, "missing", NULL, f1, 1), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_enrol(g, "other", NULL, f2, 1), BIOMATCH_STATUS_OK);

    biomatch_record r;
    CHECK_STATUS(biomatch_record_init(&r), BIOMATCH_STATUS_OK);
    CHECK(r.valid_from == INT64_MIN && r.valid_until == INT64_MAX && r.category == 0);
    /* Category 0 is not a category. */
    CHECK_STATUS(biomatch_gallery_set_record(g, "valid", &r), BIOMATCH_STATUS_INVALID_ARGUMENT);
    biomatch_record_field fields[] = {{"notice", "red"}, {"nationality", "XY"}};
    r.category = BIOMATCH_CATEGORY_WANTED;
    r.agency = "INTERPOL";
    r.reference = "A-1/2027";
    r.action = "detain, call the duty officer";
    r.valid_from = T0 - 10;
    r.valid_until = T0 + 10;
    r.fields = fields;
    r.field_count = 2;
    CHECK_STATUS(biomatch_gallery_set_record(g, "valid", &r), BIOMATCH_STATUS_OK);
    r.valid_until = T0; /* expired at T0 */
    CHECK_STATUS(biomatch_gallery_set_record(g, "expired", &r), BIOMATCH_STATUS_OK);
    r.valid_from = T0 + 1;
    CHECK_STATUS(biomatch_gallery_set_record(g, "expired", &r), BIOMATCH_STATUS_INVALID_ARGUMENT);
    r.valid_from = INT64_MIN;
    r.valid_until = INT64_MAX;
    r.category = BIOMATCH_CATEGORY_OTHER;
    r.category_text = NULL; /* OTHER needs its text */
    CHECK_STATUS(biomatch_gallery_set_record(g, "missing", &r), BIOMATCH_STATUS_INVALID_ARGUMENT);
    r.category = BIOMATCH_CATEGORY_MISSING;
    r.agency = "national police";
    r.fields = NULL;
    r.field_count = 0;
    CHECK_STATUS(biomatch_gallery_set_record(g, "missing", &r), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_set_record(g, "nobody", &r), BIOMATCH_STATUS_UNKNOWN_ID);
    CHECK_STATUS(biomatch_gallery_set_record(g, "valid", (const biomatch_record *)((char *)&r + 1)),
                 BIOMATCH_STATUS_INVALID_ARGUMENT); /* misaligned */

    biomatch_search_options o;
    CHECK_STATUS(biomatch_search_options_default(&o), BIOMATCH_STATUS_OK);
    CHECK(o.max_candidates == 10 && !o.use_time && o.category_count == 0);
    o.exhaustive = true;
    o.use_time = true;
    char ids[256];
    o.at = T0 - 1;
    identify(g, p1, &o, ids, sizeof ids);
    CHECK(strstr(ids, "valid") && strstr(ids, "expired") && strstr(ids, "missing"));
    o.at = T0;
    identify(g, p1, &o, ids, sizeof ids);
    CHECK(strstr(ids, "valid") && !strstr(ids, "expired") && strstr(ids, "missing"));
    o.at = T0 + 10;
    identify(g, p1, &o, ids, sizeof ids);
    CHECK(!strstr(ids, "valid") && !strstr(ids, "expired") && strstr(ids, "missing"));
    /* Filters. */
    o.at = T0;
    uint32_t wanted[] = {BIOMATCH_CATEGORY_WANTED};
    o.categories = wanted;
    o.category_count = 1;
    identify(g, p1, &o, ids, sizeof ids);
    CHECK(strcmp(ids, "valid") == 0);
    uint32_t bad_category[] = {255};
    o.categories = bad_category;
    biomatch_candidate_list *list = NULL;
    const biomatch_finger_template *probe[] = {p1};
    CHECK_STATUS(biomatch_gallery_identify_with_options(g, NULL, probe, 1, &o, &list),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(list == NULL);
    o.categories = NULL;
    o.category_count = 0;
    const char *police[] = {"national police"};
    o.agencies = police;
    o.agency_count = 1;
    identify(g, p1, &o, ids, sizeof ids);
    CHECK(strcmp(ids, "missing") == 0);

    /* The record comes with the candidate. */
    o.agencies = NULL;
    o.agency_count = 0;
    o.categories = wanted;
    o.category_count = 1;
    CHECK_STATUS(biomatch_gallery_identify_with_options(g, NULL, probe, 1, &o, &list),
                 BIOMATCH_STATUS_OK);
    biomatch_record got;
    bool has = false;
    CHECK_STATUS(biomatch_candidate_list_get_record(list, 0, &got, &has), BIOMATCH_STATUS_OK);
    CHECK(has && got.category == BIOMATCH_CATEGORY_WANTED);
    CHECK(strcmp(got.category_text, "wanted") == 0 && strcmp(got.agency, "INTERPOL") == 0);
    CHECK(strcmp(got.reference, "A-1/2027") == 0);
    CHECK(strcmp(got.action, "detain, call the duty officer") == 0);
    CHECK(got.valid_from == T0 - 10 && got.valid_until == T0 + 10 && got.field_count == 2);
    const char *name = NULL, *value = NULL;
    /* Fields in name order: nationality, notice. */
    CHECK_STATUS(biomatch_candidate_list_get_record_field(list, 0, 1, &name, &value),
                 BIOMATCH_STATUS_OK);
    CHECK(name != NULL && strcmp(name, "notice") == 0 && strcmp(value, "red") == 0);
    CHECK_STATUS(biomatch_candidate_list_get_record_field(list, 0, 2, &name, &value),
                 BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_STATUS(biomatch_candidate_list_get_record(list, 5, &got, &has),
                 BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    biomatch_candidate_list_free(list);

    /* Purge at T0 removes "expired". */
    size_t removed = 99;
    CHECK_STATUS(biomatch_gallery_purge(g, T0, &removed), BIOMATCH_STATUS_OK);
    CHECK(removed == 1);
    size_t n = 0;
    CHECK_STATUS(biomatch_gallery_len(g, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 3);

    /* Encryption at rest. */
    uint8_t key[32], other[32];
    for (int i = 0; i < 32; i++) {
        key[i] = (uint8_t)(i * 7 + 1);
        other[i] = (uint8_t)(i * 7 + 2);
    }
    CHECK_STATUS(biomatch_gallery_save_encrypted(g, gallery_path, key, 31),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK_STATUS(biomatch_gallery_save_encrypted(g, gallery_path, key, 32), BIOMATCH_STATUS_OK);
    biomatch_gallery *back = NULL;
    CHECK_STATUS(biomatch_gallery_load(gallery_path, &back), BIOMATCH_STATUS_ENCRYPTION_MISMATCH);
    CHECK_STATUS(biomatch_gallery_load_encrypted(gallery_path, other, 32, NULL, &back),
                 BIOMATCH_STATUS_DECRYPTION_FAILED);
    CHECK(back == NULL);
    CHECK_STATUS(biomatch_gallery_load_encrypted(gallery_path, key, 32, NULL, &back),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_len(back, &n), BIOMATCH_STATUS_OK);
    CHECK(n == 3);
    biomatch_gallery_free(back);
    back = NULL;
    size_t len = 0;
    uint8_t *bytes = util_read_file(gallery_path, &len);
    CHECK(bytes != NULL && len > 64);
    if (bytes != NULL) {
        CHECK(memmem(bytes, len, "INTERPOL", 8) == NULL);
        CHECK_STATUS(biomatch_gallery_load_bytes_encrypted(bytes, len, key, 32, NULL, &back),
                     BIOMATCH_STATUS_OK);
        biomatch_gallery_free(back);
        back = NULL;
        /* A flipped bit anywhere past the header (nonce, ciphertext, tag, with the checksum
         * fixed by hand it would still fail authentication; here the checksum catches it). */
        for (size_t i = 0; i < len; i += 97) {
            bytes[i] ^= 0x04;
            biomatch_status s =
                biomatch_gallery_load_bytes_encrypted(bytes, len, key, 32, NULL, &back);
            CHECK(s != BIOMATCH_STATUS_OK && back == NULL);
            bytes[i] ^= 0x04;
        }
        free(bytes);
    }
    /* Rekey: save under another key; the old key fails. A plain save is refused with a key. */
    CHECK_STATUS(biomatch_gallery_save_encrypted(g, gallery_path, other, 32), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_load_encrypted(gallery_path, key, 32, NULL, &back),
                 BIOMATCH_STATUS_DECRYPTION_FAILED);
    CHECK_STATUS(biomatch_gallery_save(g, gallery_path), BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_gallery_load_encrypted(gallery_path, other, 32, NULL, &back),
                 BIOMATCH_STATUS_ENCRYPTION_MISMATCH);
    CHECK_STATUS(biomatch_gallery_load_encrypted(gallery_path, NULL, 32, NULL, &back),
                 BIOMATCH_STATUS_NULL_ARGUMENT);

    /* The audit log: 4 enrols, 4 accepted record sets, 6 identifies (the refused call logs
     * nothing), 1 purge, 3 saves. */
    CHECK_STATUS(biomatch_gallery_set_audit_log(g, NULL, NULL, 0, NULL), BIOMATCH_STATUS_OK);
    const char *subjects[] = {"valid"};
    CHECK_STATUS(biomatch_audit_append(audit_path, NULL, 0, T0, "officer-2",
                                       BIOMATCH_AUDIT_ACTION_VERIFY, subjects, 1, "accept"),
                 BIOMATCH_STATUS_OK);
    CHECK_STATUS(biomatch_audit_append(audit_path, NULL, 0, T0, "officer-2", 99, NULL, 0, NULL),
                 BIOMATCH_STATUS_INVALID_ARGUMENT);
    size_t verified = 0, bad = 99;
    CHECK_STATUS(biomatch_audit_verify(audit_path, NULL, 0, &verified, &bad), BIOMATCH_STATUS_OK);
    CHECK(verified == 4 + 3 + 6 + 1 + 3 + 1 && bad == 0);
    uint8_t *log = util_read_file(audit_path, &len);
    CHECK(log != NULL);
    if (log != NULL) {
        /* No biometric data, the operator and the purged id are there. */
        CHECK(memmem(log, len, "gate-7", 6) != NULL && memmem(log, len, "\"expired\"", 9) != NULL);
        /* Edit the purge entry's subject: verification names a line. */
        uint8_t *at = (uint8_t *)memmem(log, len, "\"purge\"", 7);
        CHECK(at != NULL);
        if (at != NULL) {
            uint8_t *id = (uint8_t *)memmem(at, len - (size_t)(at - log), "expired", 7);
            if (id != NULL) {
                id[0] = 'E';
            }
            FILE *f = fopen(audit_path, "wb");
            if (f != NULL) {
                fwrite(log, 1, len, f);
                fclose(f);
            }
            CHECK_STATUS(biomatch_audit_verify(audit_path, NULL, 0, &verified, &bad),
                         BIOMATCH_STATUS_OK);
            CHECK(bad == 4 + 3 + 6 + 1 && verified == bad - 1);
            /* A broken log refuses to be attached. */
            CHECK_STATUS(biomatch_gallery_set_audit_log(g, audit_path, NULL, 0, "gate-7"),
                         BIOMATCH_STATUS_CORRUPT_DATA);
        }
        free(log);
    }

    biomatch_gallery_free(g);
    biomatch_finger_template_free(e1);
    biomatch_finger_template_free(p1);
    biomatch_finger_template_free(e2);
    biomatch_finger_template_free(p2);
    remove(audit_path);
    remove(gallery_path);
    rmdir(tmp);
    return check_report("test_watchlist");
}
