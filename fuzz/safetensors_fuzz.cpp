// Model files come from disk and may be corrupt: decode_safetensors must give
// tensors or an Error for any bytes. Whatever it accepts must convert without
// undefined behaviour, match its shape, and survive a re-encode unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "routeiq/ml/safetensors.hpp"

using namespace routeiq::ml;

namespace {

size_t shape_elements(const Tensor& t) {
  size_t n = 1;
  for (int64_t d : t.shape) n *= size_t(d);
  return n;
}

void check_conversions(const Tensor& t) {
  const size_t n = t.element_count();
  if (shape_elements(t) != n || t.bytes.size() != n * dtype_size(t.dtype)) std::abort();
  if (t.to_f32().size() != n || t.to_f64().size() != n) std::abort();
  auto ints = t.to_i64();
  bool integer = t.dtype == DType::i32 || t.dtype == DType::i64;
  if (bool(ints) != integer || (ints && ints->size() != n)) std::abort();
}

bool same(const TensorMap& a, const TensorMap& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
    if (i->first != j->first || i->second.dtype != j->second.dtype ||
        i->second.shape != j->second.shape || i->second.bytes != j->second.bytes)
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto tensors = decode_safetensors(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!tensors) return 0;
  for (const auto& [name, t] : *tensors) check_conversions(t);
  auto again = decode_safetensors(encode_safetensors(*tensors));
  if (!again || !same(*again, *tensors)) std::abort();
  return 0;
}
