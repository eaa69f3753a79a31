#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "routeiq/core/sha256.hpp"
#include "routeiq/ml/artifact.hpp"
#include "routeiq/ml/router.hpp"
#include "routeiq/ml/safetensors.hpp"
#include "routeiq/ml/train.hpp"
#include "router_synthetic.hpp"

namespace routeiq::ml {
namespace {

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("routeiq_artifact_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

// Builds a safetensors file from a raw header, for malformed-input tests.
std::string with_header(const std::string& json, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  return out + json + data;
}

TEST(ArtifactSafetensors, RoundTripsEveryDtype) {
  TensorMap t;
  t["a"] = Tensor::from_f32({2, 3}, {1, 2, 3, 4, 5, 6.5f});
  t["b"] = Tensor::from_f64({2}, {-1.25, 1e300});
  t["c"] = Tensor::from_i32({3}, {-7, 0, 7});
  t["d"] = Tensor::from_i64({1, 1}, {int64_t(1) << 40});
  t["empty"] = Tensor::from_f32({0, 4}, {});
  std::string file = encode_safetensors(t);
  uint64_t header = 0;
  std::memcpy(&header, file.data(), 8);
  EXPECT_EQ((8 + header) % 8, 0u) << "data must start 8-byte aligned";
  auto back = decode_safetensors(file);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 5u);
  EXPECT_EQ(back->at("a").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(back->at("a").to_f32()[5], 6.5f);
  EXPECT_EQ(back->at("b").to_f64()[1], 1e300);
  auto c = back->at("c").to_i64();
  auto d = back->at("d").to_i64();
  ASSERT_TRUE(c && d);
  EXPECT_EQ(*c, (std::vector<int64_t>{-7, 0, 7}));
  EXPECT_EQ((*d)[0], int64_t(1) << 40);
  EXPECT_EQ(back->at("empty").element_count(), 0u);
}

// Integer reads of float tensors are refused, whatever the values: 1e30 has no
// int64 value, and even 3.0 in an F32 index tensor is a corrupt artifact.
TEST(ArtifactSafetensors, IntegerReadsRefuseFloatTensors) {
  for (const Tensor& t : {Tensor::from_f32({2}, {1e30f, 3.0f}), Tensor::from_f64({1}, {-1e300})}) {
    auto ints = t.to_i64();
    ASSERT_FALSE(ints);
    EXPECT_NE(ints.error().message.find("integer tensor"), std::string::npos)
        << ints.error().message;
  }
}

// F64 values beyond float's range read as infinities, which loaders refuse.
TEST(ArtifactSafetensors, DoublesOutsideFloatRangeReadAsInfinities) {
  auto f = Tensor::from_f64({3}, {1e300, -1e300, 0.5}).to_f32();
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ(f[1], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(f[2], 0.5f);
}

TEST(ArtifactSafetensors, ReadsMetadataAndRefusesMalformedHeaders) {
  std::string data(8, '\0');
  auto ok = decode_safetensors(with_header(
      R"({"__metadata__":{"k":"v"},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", data));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->size(), 1u);

  const std::pair<const char*, std::string> bad[] = {
      {"not json", "{\"x\":"},
      {"not an object", "[1,2]"},
      {"unknown dtype", R"({"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}})"},
      {"size mismatch", R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})"},
      {"offset past end", R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})"},
      {"reversed offsets", R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})"},
      {"negative dim", R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})"},
      {"gap", R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"},
      {"overlap", R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"},
      {"trailing bytes", R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})"},
      {"huge shape",
       R"({"x":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})"},
      {"missing offsets", R"({"x":{"dtype":"F32","shape":[2]}})"},
  };
  for (const auto& [what, header] : bad)
    EXPECT_FALSE(decode_safetensors(with_header(header, data))) << what;

  EXPECT_FALSE(decode_safetensors("abc"));
  std::string huge(16, '\0');
  uint64_t n = uint64_t(1) << 62;
  std::memcpy(huge.data(), &n, 8);
  EXPECT_FALSE(decode_safetensors(huge));
}

class ArtifactFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    auto data = testing::make_dataset(40, 3, true);
    auto trained = train_router("smallest", data, testing::small_options());
    ASSERT_TRUE(trained) << trained.error().message;
    artifact_ = std::move(trained.value());
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_TRUE(write_artifact(artifact_, dir_));
    manifest_ = slurp(dir_ + "/manifest.json");
    tensors_ = slurp(dir_ + "/model.safetensors");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Artifact artifact_;
  std::string dir_, manifest_, tensors_;
};

TEST_F(ArtifactFiles, RoundTripKeepsManifestTensorsAndVersion) {
  auto back = read_artifact(dir_);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->manifest.router_type, "smallest");
  EXPECT_EQ(back->manifest.models, (std::vector<std::string>{"weak", "strong", "coder"}));
  EXPECT_EQ(back->manifest.created, "2024-01-01T00:00:00Z");
  EXPECT_EQ(back->manifest.prices.at("strong").input_per_million, 1.0);
  EXPECT_EQ(back->manifest.training_data_sha256.size(), 64u);
  EXPECT_EQ(back->version, artifact_.version);
  EXPECT_EQ(encode_safetensors(back->tensors), tensors_);
  auto router = load_router(dir_);
  ASSERT_TRUE(router) << router.error().message;
  EXPECT_EQ((*router)->info().version, artifact_.version);
  EXPECT_EQ((*router)->info().type, "smallest");
}

TEST_F(ArtifactFiles, RefusesMissingFiles) {
  std::filesystem::remove(dir_ + "/model.safetensors");
  auto r = load_router(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("model.safetensors"), std::string::npos);
  EXPECT_FALSE(load_router(dir_ + "/does-not-exist"));
}

TEST_F(ArtifactFiles, RefusesFlippedTensorByteByChecksum) {
  std::string bad = tensors_;
  bad[bad.size() - 3] ^= 0x40;
  spit(dir_ + "/model.safetensors", bad);
  auto r = load_router(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("checksum"), std::string::npos) << r.error().message;
}

TEST_F(ArtifactFiles, RefusesTruncatedFiles) {
  for (size_t cut : {size_t(0), size_t(4), size_t(9), tensors_.size() / 2, tensors_.size() - 1}) {
    spit(dir_ + "/model.safetensors", tensors_.substr(0, cut));
    EXPECT_FALSE(load_router(dir_)) << "cut at " << cut;
  }
  spit(dir_ + "/model.safetensors", tensors_);
  spit(dir_ + "/manifest.json", manifest_.substr(0, manifest_.size() / 2));
  EXPECT_FALSE(load_router(dir_));
}

TEST_F(ArtifactFiles, RefusesWrongVersionTypeAndShape) {
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? s : s.replace(at, from.size(), to);
  };
  spit(dir_ + "/manifest.json", replace(manifest_, "\"format_version\":1", "\"format_version\":9"));
  auto r = load_router(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("format_version"), std::string::npos);

  spit(dir_ + "/manifest.json",
       replace(manifest_, "\"router_type\":\"smallest\"", "\"router_type\":\"oracle\""));
  r = load_router(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("unknown router type"), std::string::npos);

  // A consistent file (valid checksums) whose tensor has the wrong shape.
  Artifact wrong = artifact_;
  wrong.tensors["baseline.quality"] = Tensor::from_f32({2}, {1, 0});
  ASSERT_TRUE(write_artifact(wrong, dir_));
  r = load_router(dir_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("shape"), std::string::npos) << r.error().message;

  // An extra tensor the router does not know.
  Artifact extra = artifact_;
  extra.tensors["surprise"] = Tensor::from_f32({1}, {1});
  ASSERT_TRUE(write_artifact(extra, dir_));
  EXPECT_FALSE(load_router(dir_));

  // Models listed in the manifest must match the tensors.
  Artifact fewer = artifact_;
  fewer.manifest.models.pop_back();
  ASSERT_TRUE(write_artifact(fewer, dir_));
  EXPECT_FALSE(load_router(dir_));
}

// Every single-byte corruption is either refused or still loads; never a crash.
TEST_F(ArtifactFiles, SurvivesEveryFlippedByte) {
  size_t refused = 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    std::string bad = tensors_;
    bad[i] ^= 0x5a;
    refused += !parse_artifact(manifest_, bad);
  }
  EXPECT_EQ(refused, tensors_.size()) << "checksums and header checks catch every tensor flip";
  size_t manifest_refused = 0;
  for (size_t i = 0; i < manifest_.size(); ++i) {
    std::string bad = manifest_;
    bad[i] ^= 0x01;
    auto a = parse_artifact(bad, tensors_);
    if (!a || !router_from_artifact(*a)) ++manifest_refused;
  }
  EXPECT_GT(manifest_refused, manifest_.size() / 4);
}

// A dense router's directory whose projection index tensor is corrupt but
// consistent (checksums recomputed): the load must fail with a clear error.
class CorruptProjectionIndex : public ::testing::Test {
 protected:
  void SetUp() override {
    auto data = testing::make_dataset(40, 3, true);
    auto trained = train_router("knn", data, testing::small_options());
    ASSERT_TRUE(trained) << trained.error().message;
    artifact_ = std::move(trained.value());
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    rows_ = artifact_.tensors.at("features.projection_index").shape[0];
    ASSERT_GT(rows_, 1);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes the artifact with the index replaced and returns the load error ("" if it loaded).
  std::string load_with_index(Tensor index) {
    Artifact a = artifact_;
    a.tensors["features.projection_index"] = std::move(index);
    EXPECT_TRUE(write_artifact(a, dir_));
    auto r = load_router(dir_);
    return r ? std::string() : r.error().message;
  }

  Artifact artifact_;
  std::string dir_;
  int64_t rows_ = 0;
};

TEST_F(CorruptProjectionIndex, FloatIndexTensorIsRefused) {
  std::vector<float> huge(size_t(rows_), 1e30f);
  auto error = load_with_index(Tensor::from_f32({rows_}, huge));
  EXPECT_NE(error.find("features.projection_index"), std::string::npos) << error;
  EXPECT_NE(error.find("integer tensor"), std::string::npos) << error;

  // Whole-valued floats are refused too: the dtype is wrong, not just the values.
  std::vector<float> whole(static_cast<size_t>(rows_));
  for (int64_t i = 0; i < rows_; ++i) whole[size_t(i)] = float(i);
  error = load_with_index(Tensor::from_f32({rows_}, whole));
  EXPECT_NE(error.find("(I32 or I64), got F32"), std::string::npos) << error;
}

TEST_F(CorruptProjectionIndex, OutOfRangeIndexIsRefused) {
  const int64_t buckets = int64_t(1) << testing::small_options().features.hash_bits;
  for (int64_t bad : {int64_t(-1), buckets, int64_t(1) << 40, std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max()}) {
    std::vector<int64_t> index(static_cast<size_t>(rows_));
    for (int64_t i = 0; i < rows_; ++i) index[size_t(i)] = i;
    index.back() = bad;
    auto error = load_with_index(Tensor::from_i64({rows_}, index));
    EXPECT_NE(error.find("projection index out of range"), std::string::npos)
        << bad << ": " << error;
  }
}

TEST_F(CorruptProjectionIndex, ValidI64IndexLoads) {
  auto original = artifact_.tensors.at("features.projection_index").to_i64();
  ASSERT_TRUE(original);
  EXPECT_EQ(load_with_index(Tensor::from_i64({rows_}, *original)), "");
}

}  // namespace
}  // namespace routeiq::ml
