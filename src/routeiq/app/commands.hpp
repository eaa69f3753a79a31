#pragma once
// Entry points of the CLI commands; argv[0] is the command name.
namespace routeiq::app {
int run_serve(int argc, char** argv);
}  // namespace routeiq::app
