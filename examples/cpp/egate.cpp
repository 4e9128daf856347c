// The e-gate flow of examples/c/egate.c through the C++ wrapper (biomatch.hpp): face 1:1
// against the passport chip, face 1:N against a watchlist, finger 1:1 against the enrolled
// template, each at a threshold calibrated for a target false-match rate.
//
// usage: egate_cpp --face-impostors SCORES.txt --passport-face CHIP.f32 --live-face LIVE.f32
//                  [--watchlist GALLERY.bmg] [--fmr 0.001] [--model facenet512]
//                  [--passport-finger A.iso --live-finger B.iso --finger-impostors SCORES.txt]
// Exit status: 0 open the gate, 3 refer to an officer, 1 error, 2 usage.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "biomatch.hpp"
#include "files.hpp"

int main(int argc, char **argv) {
    std::map<std::string, std::string> opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        opt[argv[i]] = argv[i + 1];
    }
    if (argc % 2 == 0 || !opt.count("--face-impostors") || !opt.count("--passport-face") ||
        !opt.count("--live-face")) {
        std::cerr << "usage: egate_cpp --face-impostors F --passport-face F --live-face F "
                     "[--watchlist F] [--fmr X] [--model NAME] [--passport-finger F "
                     "--live-finger F --finger-impostors F]\n";
        return 2;
    }
    const double fmr = opt.count("--fmr") ? std::atof(opt["--fmr"].c_str()) : 0.001;
    const std::string model = opt.count("--model") ? opt["--model"] : "facenet512";
    try {
        if (biomatch::version() != BIOMATCH_VERSION) {
            std::cerr << "header " << BIOMATCH_VERSION << " but library "
                      << biomatch::version() << "\n";
            return 1;
        }
        std::printf("biomatch %s e-gate (C++), target false-match rate %g\n",
                    biomatch::version().c_str(), fmr);
        bool refer = false;

        const biomatch::Calibration face_cal(files::numbers(opt["--face-impostors"]));
        const double threshold = face_cal.threshold_for_fmr(fmr);
        const biomatch::FaceTemplate chip(model, files::floats(opt["--passport-face"]));
        const biomatch::FaceTemplate live(model, files::floats(opt["--live-face"]));
        const float face = biomatch::face_score(live, chip);
        std::printf("1. face 1:1 live vs passport chip: score %.4f, threshold %.4f -> %s\n",
                    double(face), threshold, face >= threshold ? "MATCH" : "NO MATCH");
        refer |= !(face >= threshold);

        if (opt.count("--watchlist")) {
            const biomatch::Gallery watchlist = biomatch::Gallery::load(opt["--watchlist"]);
            const std::size_t n = watchlist.size();
            const double per_comparison = fmr / double(n > 0 ? n : 1);
            const double wl_threshold = face_cal.threshold_for_fmr(per_comparison);
            int alarms = 0;
            for (const biomatch::Candidate &c : watchlist.identify(live, 5)) {
                if (!std::isnan(c.face_score) && c.face_score >= wl_threshold) {
                    std::printf("   watchlist HIT: subject %s, face score %.4f\n",
                                c.subject_id.c_str(), double(c.face_score));
                    alarms++;
                }
            }
            std::printf("2. watchlist 1:N over %zu subjects: threshold %.4f (FMR %.2g per "
                        "comparison) -> %s\n",
                        n, wl_threshold, per_comparison, alarms ? "HIT" : "CLEAR");
            refer |= alarms > 0;
        }

        if (opt.count("--passport-finger")) {
            const biomatch::Calibration finger_cal(files::numbers(opt["--finger-impostors"]));
            const double finger_threshold = finger_cal.threshold_for_fmr(fmr);
            const biomatch::FingerTemplate enrolled =
                biomatch::FingerTemplate::read(files::bytes(opt["--passport-finger"]));
            const biomatch::FingerTemplate captured =
                biomatch::FingerTemplate::read(files::bytes(opt["--live-finger"]));
            const float finger = biomatch::finger_score(captured, enrolled);
            std::printf("3. finger 1:1 live vs enrolled: score %.4f, threshold %.4f -> %s\n",
                        double(finger), finger_threshold,
                        finger >= finger_threshold ? "MATCH" : "NO MATCH");
            refer |= !(finger >= finger_threshold);
        }
        std::printf("decision: %s\n", refer ? "REFER TO OFFICER" : "OPEN GATE");
        return refer ? 3 : 0;
    } catch (const biomatch::Error &e) {
        std::cerr << "egate_cpp: " << biomatch_status_str(e.status()) << ": " << e.what()
                  << "\n";
    } catch (const std::exception &e) {
        std::cerr << "egate_cpp: " << e.what() << "\n";
    }
    return 1;
}
