#include "routeiq/ml/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <cstring>
#include <limits>
#include <type_traits>

namespace routeiq::ml {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts need byte swapping");

namespace {

Error format_error(std::string message) {
  return make_error(ErrorKind::invalid_request, "safetensors: " + std::move(message));
}

template <class T>
Tensor make_tensor(DType dtype, std::vector<int64_t> shape, const std::vector<T>& values) {
  Tensor t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  return t;
}

// Every conversion convert() performs is defined for every input: widening,
// integer to floating point, or double to float clamped to infinities (a
// double outside float's range has no float value).
template <class Out, class In>
Out convert_value(In v) {
  if constexpr (std::is_same_v<Out, float> && std::is_same_v<In, double>) {
    constexpr double kMax = std::numeric_limits<float>::max();
    if (v > kMax) return std::numeric_limits<float>::infinity();
    if (v < -kMax) return -std::numeric_limits<float>::infinity();
  }
  return static_cast<Out>(v);
}

template <class Out, class In>
std::vector<Out> convert(const std::string& bytes) {
  static_assert(std::is_floating_point_v<Out> || std::is_integral_v<In>,
                "float to integer conversion is not defined for every value");
  std::vector<Out> out(bytes.size() / sizeof(In));
  for (size_t i = 0; i < out.size(); ++i) {
    In v;
    std::memcpy(&v, bytes.data() + i * sizeof(In), sizeof(In));
    out[i] = convert_value<Out>(v);
  }
  return out;
}

template <class Out>
std::vector<Out> convert_to_float(const Tensor& t) {
  switch (t.dtype) {
    case DType::f32:
      return convert<Out, float>(t.bytes);
    case DType::f64:
      return convert<Out, double>(t.bytes);
    case DType::i32:
      return convert<Out, int32_t>(t.bytes);
    case DType::i64:
      return convert<Out, int64_t>(t.bytes);
  }
  return {};
}

bool parse_dtype(std::string_view name, DType& out) {
  constexpr std::pair<std::string_view, DType> kNames[] = {
      {"F32", DType::f32}, {"F64", DType::f64}, {"I32", DType::i32}, {"I64", DType::i64}};
  for (const auto& [n, d] : kNames)
    if (n == name) {
      out = d;
      return true;
    }
  return false;
}

// A non-negative JSON integer, or false.
bool as_count(const boost::json::value& v, uint64_t& out) {
  if (v.is_uint64()) {
    out = v.get_uint64();
    return true;
  }
  if (v.is_int64() && v.get_int64() >= 0) {
    out = static_cast<uint64_t>(v.get_int64());
    return true;
  }
  return false;
}

struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

Result<Entry> parse_entry(std::string_view name, const boost::json::value& v) {
  std::string where = "tensor '" + std::string(name) + "': ";
  if (!v.is_object()) return format_error(where + "entry is not an object");
  const auto& o = v.get_object();
  const auto* dtype = o.if_contains("dtype");
  const auto* shape = o.if_contains("shape");
  const auto* offsets = o.if_contains("data_offsets");
  Entry e{std::string(name), DType::f32, {}, 0, 0};
  if (!dtype || !dtype->is_string() || !parse_dtype(dtype->get_string(), e.dtype))
    return format_error(where + "dtype missing or not one of F32, F64, I32, I64");
  if (!shape || !shape->is_array()) return format_error(where + "shape missing");
  uint64_t elements = 1;
  for (const auto& d : shape->get_array()) {
    uint64_t dim = 0;
    if (!as_count(d, dim) || dim > (uint64_t(1) << 40))
      return format_error(where + "shape dimension is not a valid size");
    if (dim != 0 && elements > std::numeric_limits<uint64_t>::max() / 16 / dim)
      return format_error(where + "shape too large");
    elements *= dim;
    e.shape.push_back(static_cast<int64_t>(dim));
  }
  if (!offsets || !offsets->is_array() || offsets->get_array().size() != 2 ||
      !as_count(offsets->get_array()[0], e.begin) || !as_count(offsets->get_array()[1], e.end) ||
      e.end < e.begin)
    return format_error(where + "data_offsets must be [begin, end] with begin <= end");
  if (e.end - e.begin != elements * dtype_size(e.dtype))
    return format_error(where + "byte size does not match dtype and shape");
  return e;
}

// Tensors must tile the data buffer exactly: no gaps, no overlaps, nothing left over.
Status check_contiguous(std::vector<Entry>& entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t cursor = 0;
  for (const auto& e : entries) {
    if (e.begin != cursor)
      return format_error("tensor '" + e.name + "' data is not contiguous with the previous one");
    cursor = e.end;
  }
  if (cursor != data_size) return format_error("data buffer size does not match the header");
  return ok_status();
}

}  // namespace

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "F32";
    case DType::f64:
      return "F64";
    case DType::i32:
      return "I32";
    case DType::i64:
      return "I64";
  }
  return "?";
}

size_t dtype_size(DType dtype) {
  return dtype == DType::f32 || dtype == DType::i32 ? 4 : 8;
}

size_t Tensor::element_count() const {
  return bytes.size() / dtype_size(dtype);
}

Tensor Tensor::from_f32(std::vector<int64_t> shape, const std::vector<float>& values) {
  return make_tensor(DType::f32, std::move(shape), values);
}
Tensor Tensor::from_f64(std::vector<int64_t> shape, const std::vector<double>& values) {
  return make_tensor(DType::f64, std::move(shape), values);
}
Tensor Tensor::from_i32(std::vector<int64_t> shape, const std::vector<int32_t>& values) {
  return make_tensor(DType::i32, std::move(shape), values);
}
Tensor Tensor::from_i64(std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  return make_tensor(DType::i64, std::move(shape), values);
}

std::vector<float> Tensor::to_f32() const {
  return convert_to_float<float>(*this);
}
std::vector<double> Tensor::to_f64() const {
  return convert_to_float<double>(*this);
}
Result<std::vector<int64_t>> Tensor::to_i64() const {
  switch (dtype) {
    case DType::i32:
      return convert<int64_t, int32_t>(bytes);
    case DType::i64:
      return convert<int64_t, int64_t>(bytes);
    case DType::f32:
    case DType::f64:
      break;
  }
  return format_error("expected an integer tensor (I32 or I64), got " +
                      std::string(dtype_name(dtype)));
}

std::string encode_safetensors(const TensorMap& tensors) {
  boost::json::object header;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    boost::json::array shape;
    for (int64_t d : t.shape) shape.push_back(d);
    header[name] = {{"dtype", dtype_name(t.dtype)},
                    {"shape", std::move(shape)},
                    {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  std::string json = boost::json::serialize(header);
  // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
  while ((json.size() + 8) % 8 != 0) json += ' ';
  std::string out(8, '\0');
  uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  out += json;
  for (const auto& [name, t] : tensors) out += t.bytes;
  return out;
}

Result<TensorMap> decode_safetensors(std::string_view file) {
  if (file.size() < 8) return format_error("file shorter than the 8-byte header length");
  uint64_t header_size = 0;
  std::memcpy(&header_size, file.data(), 8);
  if (header_size < 2 || header_size > kMaxSafetensorsHeader || header_size > file.size() - 8)
    return format_error("header length " + std::to_string(header_size) + " out of bounds");
  boost::system::error_code ec;
  boost::json::value header = boost::json::parse(file.substr(8, header_size), ec);
  if (ec) return format_error("header is not valid JSON: " + ec.message());
  if (!header.is_object()) return format_error("header is not a JSON object");
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.get_object()) {
    if (key == "__metadata__") continue;
    auto entry = parse_entry(key, value);
    if (!entry) return entry.take_error();
    entries.push_back(std::move(entry.value()));
  }
  std::string_view data = file.substr(8 + header_size);
  if (auto st = check_contiguous(entries, data.size()); !st) return st.take_error();
  TensorMap tensors;
  for (auto& e : entries) {
    Tensor t;
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.bytes.assign(data.substr(e.begin, e.end - e.begin));
    tensors.emplace(std::move(e.name), std::move(t));
  }
  return tensors;
}

}  // namespace routeiq::ml
