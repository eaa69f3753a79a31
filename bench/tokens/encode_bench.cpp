// Token counting speed: English prose, source code, CJK and a long punctuation run
// (the heap path of BPE), in both encodings, plus the first use (parsing the built-in
// rank file). Bytes/s and tokens/s are reported per text.
//   build/bench/bench-tokens --benchmark_repetitions=3
#include <benchmark/benchmark.h>

#include <string>

#include "routeiq/tokens/encoding.hpp"

namespace routeiq::tokens {
namespace {

std::string repeat(std::string_view unit, size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += unit;
  return out;
}

const std::string& text(int kind) {
  static const std::string kProse = repeat(
      "The gateway keeps a snapshot of its configuration and shares it between threads; "
      "a reload builds a new one, so a request never sees a half-applied change. It's "
      "the same for 1,234 or 56789 requests per second.\n",
      1 << 20);
  static const std::string kCode = repeat(
      "for (size_t i = 0; i < parts.size(); ++i) {\n  if (parts[i].rank < best) best = "
      "parts[i].rank;  // leftmost wins\n}\n",
      1 << 20);
  static const std::string kCjk =
      repeat("日本語のテキストと中文分词，한국어 텍스트도 함께。", 1 << 20);
  static const std::string kPunct = repeat("=-*#", 1 << 16);
  switch (kind) {
    case 0:
      return kProse;
    case 1:
      return kCode;
    case 2:
      return kCjk;
    default:
      return kPunct;
  }
}

void BM_Count(benchmark::State& state) {
  auto name = state.range(0) ? EncodingName::o200k_base : EncodingName::cl100k_base;
  const auto& enc = Encoding::builtin(name);
  const auto& input = text(static_cast<int>(state.range(1)));
  size_t tokens = 0;
  for (auto _ : state) {
    tokens = enc.count(input);
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens * state.iterations()),
                                                  benchmark::Counter::kIsRate);
  state.SetLabel(std::string(encoding_name(name)) + " " +
                 (const char*[]){"prose", "code", "cjk", "punct-run"}[state.range(1)]);
}
BENCHMARK(BM_Count)->ArgsProduct({{0, 1}, {0, 1, 2, 3}})->Unit(benchmark::kMillisecond);

// What the first /utils/token_counter pays: parsing a built-in rank file.
void BM_ParseRanks(benchmark::State& state) {
  const auto& builtin = Encoding::builtin(EncodingName::o200k_base).ranks();
  std::string file;
  for (Rank r = 0; r < builtin.size(); ++r) {
    std::string_view bytes = builtin.bytes_of(r);
    static constexpr char kB64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < bytes.size(); i += 3) {
      uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
      if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
      if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
      file += kB64[(n >> 18) & 63];
      file += kB64[(n >> 12) & 63];
      file += i + 1 < bytes.size() ? kB64[(n >> 6) & 63] : '=';
      file += i + 2 < bytes.size() ? kB64[n & 63] : '=';
    }
    file += ' ' + std::to_string(r) + '\n';
  }
  for (auto _ : state) {
    auto t = RankTable::parse(file);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_ParseRanks)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace routeiq::tokens

BENCHMARK_MAIN();
