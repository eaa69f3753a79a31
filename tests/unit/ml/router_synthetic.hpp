#pragma once
// Synthetic routing data whose best routing is known by construction:
// "easy" questions are solved by every model, "hard" ones (proof/integral
// words) only by the strong model, "code" ones only by the coder model.
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "routeiq/ml/dataset.hpp"
#include "routeiq/ml/rng.hpp"
#include "routeiq/ml/train.hpp"

namespace routeiq::ml::testing {

enum class Kind { easy, hard, code };

inline std::string make_query(Kind kind, Rng& rng) {
  static const std::vector<std::string> filler = {
      "river",  "garden", "yellow", "market", "window", "silver", "planet", "ocean",
      "forest", "bridge", "castle", "engine", "summer", "winter", "mirror", "pencil"};
  static const std::vector<std::string> easy = {"what is the capital of", "name the color of",
                                                "who lives near the", "where is the"};
  static const std::vector<std::string> hard = {
      "prove the theorem that the integral of",
      "derive a rigorous proof bounding the eigenvalue of",
      "show the lemma that every homomorphism on"};
  static const std::vector<std::string> code = {"write a python function def solve() for",
                                                "implement a c++ class with return values for",
                                                "fix this code: for (int i = 0; i < n; ++i) {"};
  const auto& heads = kind == Kind::easy ? easy : kind == Kind::hard ? hard : code;
  std::string q = heads[rng.below(heads.size())];
  size_t words = 2 + rng.below(4);
  for (size_t i = 0; i < words; ++i) q += " " + filler[rng.below(filler.size())];
  if (kind == Kind::code) q += " ```return x;```";
  return q;
}

// Models: weak (cheap), strong (expensive), coder (cheap). With `with_coder`
// false only weak and strong, for pair routers.
inline RoutingDataset make_dataset(size_t n, uint64_t seed, bool with_coder,
                                   std::vector<Kind>* kinds = nullptr) {
  RoutingDataset d;
  d.models = {"weak", "strong"};
  if (with_coder) d.models.push_back("coder");
  Rng rng(seed);
  for (size_t i = 0; i < n; ++i) {
    Kind kind = Kind(rng.below(with_coder ? 3 : 2));
    RoutingExample e;
    e.id = "q" + std::to_string(i);
    e.query = make_query(kind, rng);
    e.task = kind == Kind::easy ? "easy" : kind == Kind::hard ? "hard" : "code";
    if (kind == Kind::easy) e.scores = {1.0, 1.0, 0.6};
    if (kind == Kind::hard) e.scores = {0.0, 1.0, 0.0};
    if (kind == Kind::code) e.scores = {0.0, 0.3, 1.0};
    e.scores.resize(d.models.size());
    d.examples.push_back(std::move(e));
    if (kinds) kinds->push_back(kind);
  }
  return d;
}

inline PriceMap synthetic_prices() {
  return {{"weak", {0.1, 0.1, "7B"}}, {"strong", {1.0, 1.0, "70B"}}, {"coder", {0.1, 0.1, "7B"}}};
}

// Small settings so training stays fast under sanitizers.
inline TrainOptions small_options(uint64_t seed = 7) {
  TrainOptions o;
  o.seed = seed;
  o.val_fraction = 0.2;
  o.prices = synthetic_prices();
  o.created = "2024-01-01T00:00:00Z";
  o.features.hash_bits = 12;
  o.features.dense_dim = 12;
  o.features.projection_vocab = 1024;
  o.cv_folds = 2;
  o.params = {{"hidden", 32}, {"max_epochs", 150}, {"learning_rate", 0.005}};
  return o;
}

}  // namespace routeiq::ml::testing
