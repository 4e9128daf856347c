// File helpers for the C++ examples (not part of the biomatch API).
#ifndef BIOMATCH_EXAMPLE_FILES_HPP
#define BIOMATCH_EXAMPLE_FILES_HPP

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace files {

inline std::vector<uint8_t> bytes(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot open " + path);
    }
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>());
}

// Raw little-endian float32 values.
inline std::vector<float> floats(const std::string &path) {
    std::vector<uint8_t> b = bytes(path);
    if (b.size() % 4 != 0) {
        throw std::runtime_error(path + ": not a whole number of float32 values");
    }
    std::vector<float> v(b.size() / 4);
    for (std::size_t i = 0; i < v.size(); i++) {
        uint32_t bits = uint32_t(b[4 * i]) | uint32_t(b[4 * i + 1]) << 8 |
                        uint32_t(b[4 * i + 2]) << 16 | uint32_t(b[4 * i + 3]) << 24;
        std::memcpy(&v[i], &bits, sizeof bits);
    }
    return v;
}

// Numbers, one per line.
inline std::vector<double> numbers(const std::string &path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("cannot open " + path);
    }
    std::vector<double> v;
    double x;
    while (in >> x) {
        v.push_back(x);
    }
    return v;
}

}  // namespace files

#endif
