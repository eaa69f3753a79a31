// Runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs, without
// libFuzzer, so the seed corpora and regression inputs are replayed by ctest in
// the normal (gcc, ASan + UBSan) build. Arguments are files or directories;
// a directory stands for every regular file in it, in name order. Fails when a
// path is missing or nothing was replayed, so an empty corpus cannot pass.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool collect(const fs::path& path, std::vector<fs::path>& files) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    files.push_back(path);
    return true;
  }
  if (!fs::is_directory(path, ec)) {
    std::fprintf(stderr, "replay: %s: no such file or directory\n", path.c_str());
    return false;
  }
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(path, ec))
    if (entry.is_regular_file()) found.push_back(entry.path());
  std::sort(found.begin(), found.end());
  files.insert(files.end(), found.begin(), found.end());
  return !ec;
}

bool replay(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
    return false;
  }
  // A copy in its own allocation, so ASan sees a read past the input's end.
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), data.size());
  static const uint8_t kNone = 0;  // libFuzzer never passes a null pointer, even for size 0
  LLVMFuzzerTestOneInput(data.empty() ? &kNone : data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  bool ok = true;
  for (int i = 1; i < argc; ++i) ok = collect(argv[i], files) && ok;
  for (const auto& file : files) ok = replay(file) && ok;
  std::fprintf(stderr, "replay: %zu inputs\n", files.size());
  if (files.empty()) std::fprintf(stderr, "replay: no inputs given\n");
  return ok && !files.empty() ? 0 : 1;
}
