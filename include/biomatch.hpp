/*
 * biomatch.hpp: a header-only C++ wrapper over the biomatch C API (biomatch.h).
 *
 * - Handles are RAII objects (move-only) that free the C handle in their destructor.
 * - A failing call throws biomatch::Error, which carries the status code and the detail
 *   message of the failed call (copied at once from biomatch_last_error_message()).
 * - Thread safety is that of the C API (see biomatch.h, "Thread safety"): templates,
 *   calibrations and candidate lists are immutable and may be shared across threads; a
 *   Gallery may be used from many threads at once; destroying an object while another
 *   thread uses it is the caller's to prevent.
 *
 * Requires C++11. Not generated: kept by hand next to the generated C header.
 */
#ifndef BIOMATCH_HPP
#define BIOMATCH_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "biomatch.h"

namespace biomatch {

/// A failed biomatch call: the status code and the library's detail message.
class Error : public std::runtime_error {
public:
    Error(biomatch_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}

    /// The status code the call returned.
    biomatch_status status() const noexcept { return status_; }

private:
    biomatch_status status_;
};

namespace detail {

/// Throws Error for any status other than OK.
inline void check(biomatch_status status) {
    if (status != BIOMATCH_STATUS_OK) {
        std::string message = biomatch_last_error_message();
        if (message.empty()) {
            message = biomatch_status_str(static_cast<uint32_t>(status));
        }
        throw Error(status, message);
    }
}

/// Owns one C handle and frees it with `Free`; move-only.
template <typename T, void (*Free)(T *)>
class Handle {
public:
    Handle() noexcept : ptr_(nullptr) {}
    explicit Handle(T *ptr) noexcept : ptr_(ptr) {}
    Handle(const Handle &) = delete;
    Handle &operator=(const Handle &) = delete;
    Handle(Handle &&other) noexcept : ptr_(other.ptr_) { other.ptr_ = nullptr; }
    Handle &operator=(Handle &&other) noexcept {
        if (this != &other) {
            Free(ptr_);
            ptr_ = other.ptr_;
            other.ptr_ = nullptr;
        }
        return *this;
    }
    ~Handle() { Free(ptr_); }

    T *get() const noexcept { return ptr_; }

private:
    T *ptr_;
};

}  // namespace detail

/// The library's version string (compare with BIOMATCH_VERSION).
inline std::string version() { return biomatch_version(); }

/// A fingerprint minutiae template (one or more finger views).
class FingerTemplate {
public:
    /// Reads an ISO/ANSI/Type-9 record (`format` is a biomatch_format, AUTO detects).
    static FingerTemplate read(const uint8_t *data, std::size_t len,
                               uint32_t format = BIOMATCH_FORMAT_AUTO,
                               uint32_t flags = BIOMATCH_READ_FLAGS_LENIENT) {
        biomatch_finger_template *t = nullptr;
        detail::check(biomatch_finger_template_read(data, len, format, flags, &t));
        return FingerTemplate(t);
    }

    /// Reads a record held in a vector.
    static FingerTemplate read(const std::vector<uint8_t> &bytes,
                               uint32_t format = BIOMATCH_FORMAT_AUTO,
                               uint32_t flags = BIOMATCH_READ_FLAGS_LENIENT) {
        return read(bytes.data(), bytes.size(), format, flags);
    }

    /// Reads with image geometry (needed for xyt).
    static FingerTemplate read(const std::vector<uint8_t> &bytes,
                               const biomatch_read_options &options) {
        biomatch_finger_template *t = nullptr;
        detail::check(
            biomatch_finger_template_read_with_options(bytes.data(), bytes.size(), &options, &t));
        return FingerTemplate(t);
    }

    /// Extracts minutiae from an 8-bit grayscale image (row y at pixels + y * stride).
    static FingerTemplate extract(const uint8_t *pixels, std::size_t len, uint32_t width,
                                  uint32_t height, std::size_t stride, float ppi) {
        biomatch_finger_template *t = nullptr;
        detail::check(biomatch_finger_extract(pixels, len, width, height, stride, ppi, &t));
        return FingerTemplate(t);
    }

    /// Encodes the template in `format` (a writable biomatch_format).
    std::vector<uint8_t> write(uint32_t format) const {
        uint8_t *data = nullptr;
        std::size_t len = 0;
        detail::check(biomatch_finger_template_write(get(), format, &data, &len));
        std::vector<uint8_t> bytes(data, data + len);
        biomatch_bytes_free(data, len);
        return bytes;
    }

    /// The number of finger views.
    std::size_t view_count() const {
        std::size_t n = 0;
        detail::check(biomatch_finger_template_view_count(get(), &n));
        return n;
    }

    /// What view `index` holds.
    biomatch_finger_view_info view_info(std::size_t index) const {
        biomatch_finger_view_info info;
        detail::check(biomatch_finger_template_view_info(get(), index, &info));
        return info;
    }

    /// The format the template was read from (BIOMATCH_FORMAT_AUTO if extracted).
    uint32_t format() const {
        uint32_t f = 0;
        detail::check(biomatch_finger_template_format(get(), &f));
        return f;
    }

    /// The C handle, still owned by this object.
    const biomatch_finger_template *get() const noexcept { return handle_.get(); }

private:
    explicit FingerTemplate(biomatch_finger_template *t) : handle_(t) {}
    detail::Handle<biomatch_finger_template, biomatch_finger_template_free> handle_;
};

/// A face template: an embedding from the face model `model`, L2-normalised.
class FaceTemplate {
public:
    FaceTemplate(const std::string &model, const float *values, std::size_t dimension) {
        biomatch_face_template *t = nullptr;
        detail::check(biomatch_face_template_new(model.c_str(), values, dimension, &t));
        handle_ = Handle(t);
    }

    FaceTemplate(const std::string &model, const std::vector<float> &values)
        : FaceTemplate(model, values.data(), values.size()) {}

    /// The number of values.
    std::size_t dimension() const {
        std::size_t n = 0;
        detail::check(biomatch_face_template_dimension(get(), &n));
        return n;
    }

    /// The C handle, still owned by this object.
    const biomatch_face_template *get() const noexcept { return handle_.get(); }

private:
    typedef detail::Handle<biomatch_face_template, biomatch_face_template_free> Handle;
    Handle handle_;
};

/// 1:1 finger similarity (first views): higher is more similar.
inline float finger_score(const FingerTemplate &probe, const FingerTemplate &candidate) {
    float s = 0;
    detail::check(biomatch_finger_score(probe.get(), candidate.get(), &s));
    return s;
}

/// 1:1 face cosine similarity in [-1, 1].
inline float face_score(const FaceTemplate &probe, const FaceTemplate &candidate) {
    float s = 0;
    detail::check(biomatch_face_score(probe.get(), candidate.get(), &s));
    return s;
}

/// An impostor score distribution: thresholds for a target false-match rate.
class Calibration {
public:
    explicit Calibration(const std::vector<double> &impostor_scores) {
        biomatch_calibration *c = nullptr;
        detail::check(
            biomatch_calibration_new(impostor_scores.data(), impostor_scores.size(), &c));
        handle_ = Handle(c);
    }

    /// The smallest threshold whose false-match rate is at most `fmr`.
    double threshold_for_fmr(double fmr) const {
        double t = 0;
        detail::check(biomatch_calibration_threshold_for_fmr(get(), fmr, &t));
        return t;
    }

    /// The estimated false-match rate of a score.
    double fmr_of_score(double score) const {
        double f = 0;
        detail::check(biomatch_calibration_fmr_of_score(get(), score, &f));
        return f;
    }

    /// The C handle, still owned by this object.
    const biomatch_calibration *get() const noexcept { return handle_.get(); }

private:
    typedef detail::Handle<biomatch_calibration, biomatch_calibration_free> Handle;
    Handle handle_;
};

/// One candidate of an identification, copied out of the C list. NaN marks a score that
/// does not apply (see biomatch_candidate).
struct Candidate {
    std::string subject_id;
    double fused_score;
    double fused_fmr;
    float face_score;
    double face_fmr;
    float finger_score;
    double finger_fmr;
};

/// A gallery of subjects: enrol, remove, identify, verify, save, load. Internally
/// synchronised: share one Gallery between threads.
class Gallery {
public:
    /// An empty gallery for `dimension`-value embeddings of `face_model`; the calibrations
    /// (copied) are needed only for multi-modal searches.
    Gallery(const std::string &face_model, std::size_t dimension,
            const Calibration *face_calibration = nullptr,
            const Calibration *finger_calibration = nullptr) {
        biomatch_gallery *g = nullptr;
        detail::check(biomatch_gallery_new(
            face_model.c_str(), dimension, face_calibration ? face_calibration->get() : nullptr,
            finger_calibration ? finger_calibration->get() : nullptr, &g));
        handle_ = Handle(g);
    }

    /// Loads a gallery file written by save().
    static Gallery load(const std::string &path) {
        biomatch_gallery *g = nullptr;
        detail::check(biomatch_gallery_load(path.c_str(), &g));
        return Gallery(g);
    }

    /// Saves atomically to `path`.
    void save(const std::string &path) const {
        detail::check(biomatch_gallery_save(get(), path.c_str()));
    }

    /// The number of subjects.
    std::size_t size() const {
        std::size_t n = 0;
        detail::check(biomatch_gallery_len(get(), &n));
        return n;
    }

    /// Whether `id` is enrolled.
    bool contains(const std::string &id) const {
        bool b = false;
        detail::check(biomatch_gallery_contains(get(), id.c_str(), &b));
        return b;
    }

    /// The face model tag the gallery accepts.
    std::string face_model() const {
        const char *m = nullptr;
        detail::check(biomatch_gallery_face_model(get(), &m));
        return m;
    }

    /// Enrols a subject with an optional face and any number of finger templates.
    void enrol(const std::string &id, const FaceTemplate *face,
               const std::vector<const FingerTemplate *> &fingers =
                   std::vector<const FingerTemplate *>()) {
        std::vector<const biomatch_finger_template *> f = raw(fingers);
        detail::check(biomatch_gallery_enrol(handle_.get(), id.c_str(),
                                             face ? face->get() : nullptr, f.data(), f.size()));
    }

    /// Removes a subject.
    void remove(const std::string &id) {
        detail::check(biomatch_gallery_remove(handle_.get(), id.c_str()));
    }

    /// 1:N with any combination of face and fingers; best first.
    std::vector<Candidate> identify(const FaceTemplate *face,
                                    const std::vector<const FingerTemplate *> &fingers,
                                    std::size_t max_candidates) const {
        std::vector<const biomatch_finger_template *> f = raw(fingers);
        biomatch_candidate_list *list = nullptr;
        detail::check(biomatch_gallery_identify(get(), face ? face->get() : nullptr, f.data(),
                                                f.size(), max_candidates, &list));
        return take(list);
    }

    /// 1:N by face.
    std::vector<Candidate> identify(const FaceTemplate &face, std::size_t max_candidates) const {
        biomatch_candidate_list *list = nullptr;
        detail::check(
            biomatch_gallery_identify_face(get(), face.get(), max_candidates, &list));
        return take(list);
    }

    /// 1:N by finger.
    std::vector<Candidate> identify(const FingerTemplate &finger,
                                    std::size_t max_candidates) const {
        biomatch_candidate_list *list = nullptr;
        detail::check(
            biomatch_gallery_identify_finger(get(), finger.get(), max_candidates, &list));
        return take(list);
    }

    /// 1:1 against the subject `id`.
    Candidate verify(const std::string &id, const FaceTemplate *face,
                     const std::vector<const FingerTemplate *> &fingers =
                         std::vector<const FingerTemplate *>()) const {
        std::vector<const biomatch_finger_template *> f = raw(fingers);
        biomatch_candidate_list *list = nullptr;
        detail::check(biomatch_gallery_verify(get(), id.c_str(), face ? face->get() : nullptr,
                                              f.data(), f.size(), &list));
        return take(list).at(0);
    }

    /// The C handle, still owned by this object.
    const biomatch_gallery *get() const noexcept { return handle_.get(); }

private:
    typedef detail::Handle<biomatch_gallery, biomatch_gallery_free> Handle;
    typedef detail::Handle<biomatch_candidate_list, biomatch_candidate_list_free> ListHandle;

    explicit Gallery(biomatch_gallery *g) : handle_(g) {}

    static std::vector<const biomatch_finger_template *> raw(
        const std::vector<const FingerTemplate *> &fingers) {
        std::vector<const biomatch_finger_template *> f;
        f.reserve(fingers.size());
        for (std::size_t i = 0; i < fingers.size(); i++) {
            f.push_back(fingers[i] ? fingers[i]->get() : nullptr);
        }
        return f;
    }

    /// Copies a C candidate list into values and frees it (also when copying throws).
    static std::vector<Candidate> take(biomatch_candidate_list *list) {
        ListHandle owned(list);
        std::size_t n = 0;
        detail::check(biomatch_candidate_list_len(owned.get(), &n));
        std::vector<Candidate> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; i++) {
            biomatch_candidate c;
            detail::check(biomatch_candidate_list_get(owned.get(), i, &c));
            Candidate k = {c.subject_id, c.fused_score, c.fused_fmr, c.face_score,
                           c.face_fmr,   c.finger_score, c.finger_fmr};
            out.push_back(k);
        }
        return out;
    }

    Handle handle_;
};

}  // namespace biomatch

#endif /* BIOMATCH_HPP */
