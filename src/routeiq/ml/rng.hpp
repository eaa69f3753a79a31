#pragma once
// A small seeded generator with the same output on every platform, so that
// training with a fixed seed writes byte-identical artifacts (std::
// distributions are implementation-defined).
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace routeiq::ml {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  // SplitMix64 (Steele, Lea, Flood 2014).
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n).
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  // Standard normal by Box-Muller.
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }
  std::vector<size_t> permutation(size_t n) {
    std::vector<size_t> p(n);
    std::iota(p.begin(), p.end(), size_t(0));
    shuffle(p);
    return p;
  }

 private:
  uint64_t state_;
};

}  // namespace routeiq::ml
