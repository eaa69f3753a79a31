// The database commands: `routeiq import litellm-db` (a LiteLLM proxy's keys,
// teams, users... copied into the store) and `routeiq db migrate | version`.
// The target database is found as the gateway finds it.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "routeiq/api/key_service.hpp"
#include "routeiq/app/commands.hpp"
#include "routeiq/config/config.hpp"
#include "routeiq/keys/key_fields.hpp"
#include "routeiq/ml/cli.hpp"
#include "routeiq/store/litellm_import.hpp"
#include "routeiq/store/store.hpp"

namespace routeiq::app {

namespace {

constexpr const char* kImportUsage =
    "usage: routeiq import litellm-db --from postgresql://user:pass@host:5432/litellm\n"
    "                                 [--to DATABASE_URL | --config config.yaml]\n"
    "                                 [--no-deleted-keys]\n"
    "  --from  LiteLLM's DATABASE_URL (Prisma's ?schema= is understood)\n"
    "  --to    where RouteIQ keeps keys; else general_settings.database_url of --config,\n"
    "          else DATABASE_URL, else sqlite://routeiq.db\n";

constexpr const char* kDbUsage =
    "usage: routeiq db migrate [--config config.yaml | --database-url URL]\n"
    "       routeiq db version [--config config.yaml | --database-url URL]\n"
    "  migrate  creates or upgrades RouteIQ's tables and prints the schema version\n"
    "  version  prints the schema version of the database, changing nothing\n";

int usage_error(const std::string& message, const char* usage) {
  std::fprintf(stderr, "routeiq: %s\n%s", message.c_str(), usage);
  return 2;
}

int failed(std::string_view what, const std::string& message) {
  std::fprintf(stderr, "routeiq: %.*s failed: %s\n", static_cast<int>(what.size()), what.data(),
               message.c_str());
  return 1;
}

// --name value pairs and bare --flags; anything else is an error.
struct Args {
  std::map<std::string, std::string, std::less<>> values;
  std::string error;

  bool has(std::string_view name) const { return values.contains(name); }
  std::string get(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  }
};

Args parse(int argc, char** argv, int first, std::initializer_list<std::string_view> with_value,
           std::initializer_list<std::string_view> flags) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg.starts_with("--") ? arg.substr(2) : std::string_view();
    bool valued = std::find(with_value.begin(), with_value.end(), name) != with_value.end();
    bool flag = std::find(flags.begin(), flags.end(), name) != flags.end();
    if (valued && i + 1 < argc) {
      args.values[std::string(name)] = argv[++i];
    } else if (flag) {
      args.values[std::string(name)] = "";
    } else {
      args.error =
          valued ? std::string(arg) + " needs a value" : "unknown argument " + std::string(arg);
      return args;
    }
  }
  return args;
}

struct Target {
  std::string url;
  store::OpenOptions options;
};

// The database the gateway would use: an explicit URL, else the config's
// general_settings.database_url, else DATABASE_URL, else sqlite://routeiq.db.
Result<Target> resolve_target(const Args& args, std::string_view url_flag) {
  Target target;
  std::string configured = args.get(url_flag);
  if (args.has("config")) {
    auto loaded = config::load_config_file(args.get("config"));
    if (!loaded)
      return make_error(ErrorKind::invalid_request, "config error: " + loaded.error().message);
    const auto& g = loaded->general_settings;
    configured = g.database_url;
    target.options.pool_limit = static_cast<size_t>(g.database_connection_pool_limit);
    target.options.connect_timeout_s = g.database_connection_timeout;
  }
  target.url = api::database_url_of(configured);
  return target;
}

void print_counts(const std::vector<store::ImportCount>& counts) {
  for (const auto& c : counts) {
    std::string table(store::table_name(c.table));
    if (!c.present) {
      std::printf("  %-22s <- %-34s not in this LiteLLM database\n", table.c_str(),
                  c.source.c_str());
      continue;
    }
    std::printf("  %-22s <- %-34s %lld new, %lld updated, %lld unchanged\n", table.c_str(),
                c.source.c_str(), static_cast<long long>(c.inserted),
                static_cast<long long>(c.updated), static_cast<long long>(c.unchanged));
  }
}

int import_litellm_db(int argc, char** argv) {
  Args args = parse(argc, argv, 2, {"from", "to", "config"}, {"no-deleted-keys"});
  if (!args.error.empty()) return usage_error(args.error, kImportUsage);
  if (!args.has("from")) return usage_error("import litellm-db needs --from", kImportUsage);
  auto source = store::litellm_source(args.get("from"));
  if (!source) return usage_error(source.error().message, kImportUsage);
  if (args.has("to") && args.has("config"))
    return usage_error("give --to or --config, not both", kImportUsage);
  auto target = resolve_target(args, "to");
  if (!target) return failed("import litellm-db", target.error().message);
  std::string from = store::masked_url(args.get("from"));
  std::string to = store::masked_url(target->url);
  auto opened = store::open_store(target->url, target->options);
  if (!opened)
    return failed("import litellm-db", "cannot open " + to + ": " + opened.error().message);
  store::LitellmImportOptions options;
  options.deleted_keys = !args.has("no-deleted-keys");
  options.hash_key = [](std::string_view key) { return keys::hash_key(key); };
  auto counts = store::import_litellm(*source, *opened.value(), options);
  if (!counts)
    return failed("import litellm-db", counts.error().message + " (nothing was written)");
  std::printf("imported %s into %s (%.*s)\n", from.c_str(), to.c_str(),
              static_cast<int>(opened.value()->backend().size()), opened.value()->backend().data());
  print_counts(counts.value());
  return 0;
}

int db_migrate(const Target& target) {
  std::string shown = store::masked_url(target.url);
  auto before = store::database_schema_version(target.url, target.options);
  if (!before) return failed("db migrate", before.error().message);
  auto opened = store::open_store(target.url, target.options);
  if (!opened) return failed("db migrate", opened.error().message);
  std::printf("%s (%.*s): schema version %d", shown.c_str(),
              static_cast<int>(opened.value()->backend().size()), opened.value()->backend().data(),
              store::schema_version());
  if (before.value() == store::schema_version())
    std::printf(" (already current)\n");
  else
    std::printf(" (was %d)\n", before.value());
  return 0;
}

int db_version(const Target& target) {
  auto version = store::database_schema_version(target.url, target.options);
  if (!version) return failed("db version", version.error().message);
  std::printf("%s: schema version %d (this build writes %d)\n",
              store::masked_url(target.url).c_str(), version.value(), store::schema_version());
  return 0;
}

}  // namespace

int run_import(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "litellm-db") == 0) return import_litellm_db(argc, argv);
  return ml::run_import(argc, argv);
}

int run_db(int argc, char** argv) {
  if (argc < 2) return usage_error("db needs a subcommand", kDbUsage);
  std::string_view sub = argv[1];
  if (sub != "migrate" && sub != "version")
    return usage_error("unknown db subcommand '" + std::string(sub) + "'", kDbUsage);
  Args args = parse(argc, argv, 2, {"config", "database-url"}, {});
  if (!args.error.empty()) return usage_error(args.error, kDbUsage);
  if (args.has("database-url") && args.has("config"))
    return usage_error("give --database-url or --config, not both", kDbUsage);
  auto target = resolve_target(args, "database-url");
  if (!target) return failed("db " + std::string(sub), target.error().message);
  return sub == "migrate" ? db_migrate(*target) : db_version(*target);
}

}  // namespace routeiq::app
