#pragma once
// Reader and writer of the safetensors format
// (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}} and the raw
// little-endian tensor bytes. The reader validates everything it is given,
// because model files come from disk and may be corrupt.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/core/error.hpp"

namespace routeiq::ml {

enum class DType { f32, f64, i32, i64 };

std::string_view dtype_name(DType dtype);  // "F32", ...
size_t dtype_size(DType dtype);

struct Tensor {
  DType dtype = DType::f32;
  std::vector<int64_t> shape;
  std::string bytes;  // little-endian element data, row-major

  size_t element_count() const;

  static Tensor from_f32(std::vector<int64_t> shape, const std::vector<float>& values);
  static Tensor from_f64(std::vector<int64_t> shape, const std::vector<double>& values);
  static Tensor from_i32(std::vector<int64_t> shape, const std::vector<int32_t>& values);
  static Tensor from_i64(std::vector<int64_t> shape, const std::vector<int64_t>& values);

  // Element conversions to floating point. F64 values outside float's range
  // become infinities in to_f32, which loaders refuse as non-finite.
  std::vector<float> to_f32() const;
  std::vector<double> to_f64() const;
  // Integer elements (indices, counts): only I32 and I64 tensors convert. A
  // float tensor is an error rather than a cast, because a float outside the
  // int64 range has no integer value (and casting it is undefined behaviour).
  // Callers must still check the values against what they index.
  Result<std::vector<int64_t>> to_i64() const;
};

using TensorMap = std::map<std::string, Tensor, std::less<>>;

// Largest header accepted; the reference implementation uses the same bound.
inline constexpr uint64_t kMaxSafetensorsHeader = 100u << 20;

std::string encode_safetensors(const TensorMap& tensors);
Result<TensorMap> decode_safetensors(std::string_view file);

}  // namespace routeiq::ml
