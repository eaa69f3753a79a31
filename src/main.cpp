// routeiq: CLI dispatch. Each command lives in its module; this file only routes argv.
#include <cstdio>
#include <cstring>
#include <string_view>

#include "routeiq/app/commands.hpp"
#include "routeiq/ml/cli.hpp"

namespace {

struct Command {
  std::string_view name;
  int (*run)(int argc, char** argv);
  std::string_view help;
};

int run_version(int, char**) {
  std::printf("routeiq %s\n", ROUTEIQ_VERSION);
  return 0;
}

constexpr Command kCommands[] = {
    {"serve", routeiq::app::run_serve, "run the gateway (--config FILE --port N)"},
    {"version", run_version, "print the version"},
    {"import", routeiq::app::run_import,
     "copy a LiteLLM database (litellm-db --from URL), or convert routing data to JSONL "
     "(llmrouter | routellm ...)"},
    {"db", routeiq::app::run_db, "the key database's schema (migrate | version)"},
    {"split", routeiq::ml::run_split, "split a routing dataset into train/test JSONL"},
    {"eval", routeiq::ml::run_eval, "evaluate a trained router (--model DIR --data FILE)"},
    {"train", routeiq::ml::run_train,
     "train a learned router (--router NAME --data FILE --out DIR)"},
    {"route", routeiq::ml::run_route,
     "route one query with a trained router (--model DIR --query TEXT)"},
};

void usage() {
  std::fprintf(stderr, "usage: routeiq <command> [options]\n\ncommands:\n");
  for (const auto& c : kCommands)
    std::fprintf(stderr, "  %-8.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.help.size()), c.help.data());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) return run_version(argc, argv);
  for (const auto& c : kCommands)
    if (c.name == argv[1]) return c.run(argc - 1, argv + 1);
  std::fprintf(stderr, "routeiq: unknown command '%s'\n", argv[1]);
  usage();
  return 2;
}
