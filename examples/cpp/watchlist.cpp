// The watchlist tool of examples/c/watchlist.c through the C++ wrapper (biomatch.hpp).
//
//   watchlist_cpp create GALLERY MODEL DIM
//   watchlist_cpp enrol GALLERY ID [--face F.f32] [--finger T.iso]...
//   watchlist_cpp remove GALLERY ID
//   watchlist_cpp search GALLERY [--face F.f32] [--finger T.iso] [--top K]
//   watchlist_cpp info GALLERY
// Exit status: 0 success, 1 error, 2 usage.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "biomatch.hpp"
#include "files.hpp"

namespace {

int usage() {
    std::cerr << "usage: watchlist_cpp create GALLERY MODEL DIM | enrol GALLERY ID "
                 "[--face F] [--finger F]... | remove GALLERY ID | search GALLERY [--face F] "
                 "[--finger F] [--top K] | info GALLERY\n";
    return 2;
}

// The biometrics named by --face / --finger options.
struct Sample {
    std::unique_ptr<biomatch::FaceTemplate> face;
    std::vector<std::unique_ptr<biomatch::FingerTemplate>> fingers;
    std::size_t top = 5;

    std::vector<const biomatch::FingerTemplate *> finger_pointers() const {
        std::vector<const biomatch::FingerTemplate *> p;
        for (const auto &f : fingers) {
            p.push_back(f.get());
        }
        return p;
    }
};

bool parse_sample(const std::string &model, int argc, char **argv, Sample &s) {
    for (int i = 0; i < argc; i += 2) {
        if (i + 1 >= argc) {
            return false;
        }
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--face") {
            s.face.reset(new biomatch::FaceTemplate(model, files::floats(value)));
        } else if (key == "--finger") {
            s.fingers.emplace_back(
                new biomatch::FingerTemplate(biomatch::FingerTemplate::read(files::bytes(value))));
        } else if (key == "--top" && std::atoi(value.c_str()) > 0) {
            s.top = std::size_t(std::atoi(value.c_str()));
        } else {
            return false;
        }
    }
    return true;
}

int run(int argc, char **argv) {
    const std::string command = argv[1], path = argv[2];
    if (command == "create" && argc == 5) {
        biomatch::Gallery(argv[3], std::size_t(std::atol(argv[4]))).save(path);
        std::printf("created %s\n", path.c_str());
        return 0;
    }
    biomatch::Gallery g = biomatch::Gallery::load(path);
    Sample s;
    if (command == "info" && argc == 3) {
        std::printf("%s: %zu subject(s), face model %s\n", path.c_str(), g.size(),
                    g.face_model().c_str());
    } else if (command == "enrol" && argc >= 4) {
        if (!parse_sample(g.face_model(), argc - 4, argv + 4, s)) {
            return usage();
        }
        g.enrol(argv[3], s.face.get(), s.finger_pointers());
        g.save(path);
        std::printf("enrolled %s\n", argv[3]);
    } else if (command == "remove" && argc == 4) {
        g.remove(argv[3]);
        g.save(path);
        std::printf("removed %s\n", argv[3]);
    } else if (command == "search") {
        if (!parse_sample(g.face_model(), argc - 3, argv + 3, s)) {
            return usage();
        }
        const std::vector<biomatch::Candidate> found =
            g.identify(s.face.get(), s.finger_pointers(), s.top);
        std::printf("%zu candidate(s)\n", found.size());
        for (std::size_t i = 0; i < found.size(); i++) {
            std::printf("%zu. %s  fused %.4f", i + 1, found[i].subject_id.c_str(),
                        found[i].fused_score);
            if (!std::isnan(found[i].face_score)) {
                std::printf("  face %.4f", double(found[i].face_score));
            }
            if (!std::isnan(found[i].finger_score)) {
                std::printf("  finger %.4f", double(found[i].finger_score));
            }
            std::printf("\n");
        }
    } else {
        return usage();
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) {
        return usage();
    }
    try {
        return run(argc, argv);
    } catch (const biomatch::Error &e) {
        std::cerr << "watchlist_cpp: " << biomatch_status_str(e.status()) << ": " << e.what()
                  << "\n";
    } catch (const std::exception &e) {
        std::cerr << "watchlist_cpp: " << e.what() << "\n";
    }
    return 1;
}
