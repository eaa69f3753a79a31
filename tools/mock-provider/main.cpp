// mock-provider: a fast fake OpenAI upstream for tests and benchmarks.
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "core/settings.hpp"
#include "server.hpp"

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(mock::usage_text().c_str(), stdout);
    return 0;
  }
  mock::Settings settings;
  try {
    settings = mock::parse_flags(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mock-provider: %s\n%s", e.what(), mock::usage_text().c_str());
    return 2;
  }
  try {
    return mock::run_server(settings);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mock-provider: %s\n", e.what());
    return 1;
  }
}
