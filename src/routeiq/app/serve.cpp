#include <cstdio>

#include "routeiq/app/commands.hpp"

namespace routeiq::app {
int run_serve(int, char**) {
  std::fprintf(stderr, "routeiq serve: not built yet\n");
  return 1;
}
}  // namespace routeiq::app
