#pragma once
#include "core/settings.hpp"

namespace mock {

// Binds, prints `listening on <host>:<port>`, and serves until SIGINT/SIGTERM.
// One io_context and one SO_REUSEPORT acceptor per thread, so threads share
// nothing on the request path.
int run_server(const Settings& settings);

}  // namespace mock
