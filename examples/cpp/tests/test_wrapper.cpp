// Tests of the C++ wrapper: errors become exceptions with the right status and message,
// handles are released exactly once (run under ASan/valgrind by scripts/c-ci.sh), results
// agree with the C API. Usage: test_wrapper FIXTURES_DIR
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "biomatch.hpp"
#include "files.hpp"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            passed++;                                                                \
        } else {                                                                     \
            failed++;                                                                \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

// Runs `f` and returns the status of the biomatch::Error it throws (OK if none).
template <typename F>
static biomatch_status status_of(F f, std::string *message = nullptr) {
    try {
        f();
    } catch (const biomatch::Error &e) {
        if (message) {
            *message = e.what();
        }
        return e.status();
    }
    return BIOMATCH_STATUS_OK;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    CHECK(biomatch::version() == BIOMATCH_VERSION);

    // Templates, scores, moves.
    biomatch::FingerTemplate a = biomatch::FingerTemplate::read(files::bytes(dir + "/finger/101_1.iso"));
    biomatch::FingerTemplate moved = std::move(a);
    CHECK(a.get() == nullptr && moved.get() != nullptr);
    CHECK(moved.view_count() == 1 && moved.format() == BIOMATCH_FORMAT_ISO2005);
    const std::vector<uint8_t> iso = moved.write(BIOMATCH_FORMAT_ISO2005);
    CHECK(iso == files::bytes(dir + "/finger/101_1.iso"));
    CHECK(biomatch::finger_score(moved, moved) >= 0.0f);

    const biomatch::FaceTemplate w0("facenet512", files::floats(dir + "/face/watchlist_00.f32"));
    const biomatch::FaceTemplate p0("facenet512", files::floats(dir + "/face/probe_00.f32"));
    CHECK(w0.dimension() == 512);
    CHECK(std::fabs(biomatch::face_score(w0, w0) - 1.0f) < 1e-5f);

    // Errors are exceptions with the status and the detail message.
    std::string message;
    CHECK(status_of([] { biomatch::FingerTemplate::read(std::vector<uint8_t>()); }) ==
          BIOMATCH_STATUS_MALFORMED_TEMPLATE);
    CHECK(status_of([] { std::vector<uint8_t> junk(40, 7); biomatch::FingerTemplate::read(junk); }) ==
          BIOMATCH_STATUS_UNSUPPORTED_FORMAT);
    CHECK(status_of([] { biomatch::FaceTemplate("m", std::vector<float>(128, 0.0f)); }, &message) ==
          BIOMATCH_STATUS_INVALID_EMBEDDING);
    CHECK(message.find("biomatch_face_template_new") != std::string::npos);
    CHECK(status_of([] { biomatch::FaceTemplate("m", std::vector<float>(8, 1.0f)); }) ==
          BIOMATCH_STATUS_WRONG_DIMENSION);
    const biomatch::FaceTemplate small("facenet512", std::vector<float>(128, 1.0f));
    CHECK(status_of([&] { biomatch::face_score(w0, small); }) == BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK(status_of([] { biomatch::Calibration(std::vector<double>()); }) ==
          BIOMATCH_STATUS_INVALID_ARGUMENT);
    CHECK(status_of([&] { moved.view_info(5); }) == BIOMATCH_STATUS_INDEX_OUT_OF_RANGE);
    CHECK(status_of([&] { biomatch::finger_score(a, moved); }) == BIOMATCH_STATUS_NULL_ARGUMENT);

    // Gallery: enrol, identify, verify, duplicate, remove, save and load.
    biomatch::Gallery g("facenet512", 512);
    g.enrol("w00", &w0);
    g.enrol("f101", nullptr, std::vector<const biomatch::FingerTemplate *>(1, &moved));
    CHECK(g.size() == 2 && g.contains("w00") && g.face_model() == "facenet512");
    const std::vector<biomatch::Candidate> found = g.identify(p0, 3);
    CHECK(!found.empty() && found[0].subject_id == "w00");
    CHECK(!found.empty() && std::fabs(found[0].face_score - biomatch::face_score(p0, w0)) < 1e-4f);
    CHECK(g.verify("w00", &p0).subject_id == "w00");
    CHECK(status_of([&] { g.enrol("w00", &w0); }, &message) == BIOMATCH_STATUS_DUPLICATE_ID);
    CHECK(message.find("w00") != std::string::npos);
    CHECK(status_of([&] { g.enrol("x", &small); }) == BIOMATCH_STATUS_WRONG_DIMENSION);
    CHECK(status_of([&] { g.remove("nobody"); }) == BIOMATCH_STATUS_UNKNOWN_ID);
    CHECK(status_of([&] { g.identify(&p0, std::vector<const biomatch::FingerTemplate *>(1, &moved), 3); }) ==
          BIOMATCH_STATUS_NOT_CALIBRATED);
    g.remove("f101");
    g.save("test_wrapper_gallery.bmg");
    const biomatch::Gallery loaded = biomatch::Gallery::load("test_wrapper_gallery.bmg");
    CHECK(loaded.size() == 1 && loaded.contains("w00") && !loaded.contains("f101"));
    std::remove("test_wrapper_gallery.bmg");
    CHECK(status_of([] { biomatch::Gallery::load("/nonexistent/x.bmg"); }) == BIOMATCH_STATUS_IO);

    std::printf("test_wrapper: %d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
