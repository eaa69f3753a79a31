#include "routeiq/credentials/credentials.hpp"
#include "routeiq/core/time.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "routeiq/core/env.hpp"
#include "routeiq/core/json.hpp"
#include "routeiq/core/log.hpp"
#include "routeiq/net/upstream.hpp"
#include "routeiq/providers/google_auth.hpp"

namespace routeiq::credentials {
namespace asio = boost::asio;
namespace json = boost::json;
using SysClock = std::chrono::system_clock;

namespace {

constexpr auto kFetchTimeout = std::chrono::seconds(10);

std::string env(const char* name) {
  return env_or_empty(name);
}

std::string param(const json::object& params, std::string_view key) {
  return std::string(str_or(params, key));
}

// The first non-empty of a litellm_params key and environment variables.
std::string param_or_env(const json::object& params, std::string_view key,
                         std::initializer_list<const char*> names) {
  std::string v = param(params, key);
  for (auto name : names) {
    if (!v.empty()) break;
    v = env(name);
  }
  return v;
}

std::string read_file(const std::string& path) {
  std::string problem;
  return read_whole_file(path, problem).value_or("");
}

std::string form_escape(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

struct Fetched {
  int status = 0;
  std::string body;
};

// One small HTTP exchange with a credential endpoint.
asio::awaitable<Result<Fetched>> fetch(net::UpstreamRequest request) {
  net::UpstreamCall call;
  auto now = std::chrono::steady_clock::now();
  net::Deadlines dl{now + kFetchTimeout, now + kFetchTimeout};
  if (!co_await call.start(std::move(request), dl))
    co_return make_error(ErrorKind::upstream_error,
                         "credential endpoint unreachable: " + call.failure_detail());
  Fetched f;
  f.status = call.status();
  if (!co_await call.read_all(f.body))
    co_return make_error(ErrorKind::upstream_error, "credential endpoint broke the connection");
  co_return f;
}

template <class T>
struct Cached {
  T value;
  SysClock::time_point fetched_at, expires_at;
};

// A value and when it stops being valid.
template <class T>
struct Expiring {
  T value;
  SysClock::time_point expires_at = SysClock::time_point::max();
};

// Process-wide, shared by every server thread. `claim` makes fetches single-
// flight: one caller fetches a key while the others use the value that is
// still valid, or wait for the fetch.
template <class T>
class Cache {
 public:
  // A value not yet due for refresh.
  std::optional<T> fresh(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() ||
        needs_refresh(it->second.fetched_at, it->second.expires_at, SysClock::now()))
      return std::nullopt;
    return it->second.value;
  }
  // A value that has not expired (it may be due for refresh).
  std::optional<T> usable(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || SysClock::now() >= it->second.expires_at) return std::nullopt;
    return it->second.value;
  }
  bool claim(const std::string& key) {
    std::lock_guard lock(mutex_);
    return in_flight_.insert(key).second;
  }
  void release(const std::string& key) {
    std::lock_guard lock(mutex_);
    in_flight_.erase(key);
  }
  void put(const std::string& key, Expiring<T> fetched) {
    std::lock_guard lock(mutex_);
    entries_[key] = Cached<T>{std::move(fetched.value), SysClock::now(), fetched.expires_at};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Cached<T>> entries_;
  std::set<std::string> in_flight_;
};

Cache<std::string>& token_cache() {
  static Cache<std::string> c;
  return c;
}
Cache<AwsCredentials>& aws_cache() {
  static Cache<AwsCredentials> c;
  return c;
}

// Releases a claim however the fetch ends (an exception included).
template <class T>
struct Claim {
  Cache<T>& cache;
  const std::string& key;
  ~Claim() { cache.release(key); }
};

// The cached value, or one fetch for all the requests that need it: while a
// fetch runs (on any thread) the others use the still-valid value or wait.
template <class T, class Fetch>
asio::awaitable<Result<T>> single_flight(Cache<T>& cache, std::string key, Fetch fetch) {
  auto give_up = std::chrono::steady_clock::now() + kFetchTimeout + std::chrono::seconds(1);
  for (;;) {
    if (auto hit = cache.fresh(key)) co_return *hit;
    if (cache.claim(key)) {
      Claim<T> claim{cache, key};
      Result<Expiring<T>> got = co_await fetch();
      if (!got) co_return got.error();
      cache.put(key, got.value());
      co_return std::move(got->value);
    }
    if (auto hit = cache.usable(key)) co_return *hit;
    if (std::chrono::steady_clock::now() > give_up)
      co_return make_error(ErrorKind::unauthorized, "credentials are still being fetched");
    asio::steady_timer wait(co_await asio::this_coro::executor, std::chrono::milliseconds(10));
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// ------------------------------------------------------------- Google

using ServiceAccountPtr = std::shared_ptr<const providers::ServiceAccount>;

// Parsed accounts by vertex_credentials value: a catch-all deployment builds
// its source per request, and must not read the file each time.
std::shared_ptr<const providers::ServiceAccount> known_account(const std::string& creds,
                                                               const ServiceAccountPtr* add) {
  static std::mutex mutex;
  static std::map<std::string, ServiceAccountPtr> parsed;
  std::lock_guard lock(mutex);
  if (add) return parsed.emplace(creds, *add).first->second;
  auto it = parsed.find(creds);
  return it == parsed.end() ? nullptr : it->second;
}

GoogleSource google_source(const json::object& params) {
  std::string creds =
      param_or_env(params, "vertex_credentials", {"GOOGLE_APPLICATION_CREDENTIALS"});
  GoogleSource out;
  if ((out.account = known_account(creds, nullptr))) return out;
  // vertex_credentials is a path or the JSON itself.
  std::string text = creds;
  if (!text.empty() && text.front() != '{') text = read_file(creds);
  if (text.empty()) {
    out.problem = "vertex_credentials: no service-account JSON (file missing or empty)";
    return out;
  }
  auto account = providers::parse_service_account(text);
  if (!account) {
    out.problem = account.error().message;
    return out;
  }
  auto parsed = std::make_shared<const providers::ServiceAccount>(std::move(account.value()));
  out.account = known_account(creds, &parsed);
  return out;
}

asio::awaitable<Result<Expiring<std::string>>> fetch_google_token(
    std::shared_ptr<const providers::ServiceAccount> account) {
  auto now = SysClock::now();
  auto request = providers::google_token_request(*account, now);
  if (!request) co_return request.error();
  net::UpstreamRequest r = std::move(request.value());
  auto got = co_await fetch(std::move(r));
  if (!got) co_return got.error();
  if (got->status != 200)
    co_return make_error(ErrorKind::unauthorized,
                         "Google token endpoint refused the service account (HTTP " +
                             std::to_string(got->status) + ")");
  auto token = providers::parse_token_response(got->body, now);
  if (!token) co_return token.error();
  co_return Expiring<std::string>{token->token, token->expires_at};
}

asio::awaitable<Result<std::string>> google_token(const GoogleSource& source) {
  if (!source.account) co_return make_error(ErrorKind::invalid_request, source.problem);
  auto shared = source.account;
  std::string key = "google:" + shared->client_email + ":" + shared->token_uri;
  auto fetch_token = [shared] { return fetch_google_token(shared); };
  co_return co_await single_flight(token_cache(), std::move(key), fetch_token);
}

// ---------------------------------------------------------------- AWS

std::string xml_tag(const std::string& xml, const std::string& tag) {
  auto open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return {};
  open += tag.size() + 2;
  auto close = xml.find("</" + tag + ">", open);
  return close == std::string::npos ? std::string() : xml.substr(open, close - open);
}

// The shared credentials file (INI): [profile] with aws_* keys.
std::optional<AwsCredentials> from_profile(const AwsSource& s) {
  if (s.credentials_file.empty()) return std::nullopt;
  std::ifstream in(s.credentials_file);
  if (!in) return std::nullopt;
  AwsCredentials c;
  std::string line, section;
  auto trim = [](std::string text) {
    text.erase(0, text.find_first_not_of(" \t\r"));
    text.erase(text.find_last_not_of(" \t\r") + 1);
    return text;
  };
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != s.profile) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") c.access_key_id = v;
    if (k == "aws_secret_access_key") c.secret_access_key = v;
    if (k == "aws_session_token") c.session_token = v;
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  c.source = "profile";
  return c;
}

asio::awaitable<Result<AwsCredentials>> from_web_identity(const AwsSource& s) {
  std::string token = s.web_identity_token;
  if (token.empty() && !s.web_identity_token_file.empty())
    token = read_file(s.web_identity_token_file);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  net::UpstreamRequest r;
  r.url = s.sts_endpoint + "/";
  r.headers.add("content-type", "application/x-www-form-urlencoded");
  r.headers.add("accept", "application/xml");
  r.body =
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + form_escape(s.role_arn) +
      "&RoleSessionName=" + form_escape(s.session_name) + "&WebIdentityToken=" + form_escape(token);
  auto got = co_await fetch(std::move(r));
  if (!got) co_return got.error();
  if (got->status != 200)
    co_return make_error(ErrorKind::unauthorized, "STS AssumeRoleWithWebIdentity failed (HTTP " +
                                                      std::to_string(got->status) + ")");
  AwsCredentials c{xml_tag(got->body, "AccessKeyId"), xml_tag(got->body, "SecretAccessKey"),
                   xml_tag(got->body, "SessionToken")};
  c.expires_at = expiry_from(xml_tag(got->body, "Expiration"));
  c.source = "web_identity";
  if (c.access_key_id.empty())
    co_return make_error(ErrorKind::unauthorized, "STS answer has no credentials");
  co_return c;
}

Result<AwsCredentials> parse_credentials_json(const std::string& body, std::string source) {
  auto o = parse_json_object(body, "credentials");
  if (!o) return make_error(ErrorKind::unauthorized, source + " credentials are not JSON");
  AwsCredentials c{std::string(str_or(*o, "AccessKeyId")),
                   std::string(str_or(*o, "SecretAccessKey")), std::string(str_or(*o, "Token"))};
  if (auto e = str_or(*o, "Expiration"); !e.empty()) c.expires_at = expiry_from(e);
  c.source = std::move(source);
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    return make_error(ErrorKind::unauthorized, c.source + " credentials are incomplete");
  return c;
}

asio::awaitable<Result<AwsCredentials>> from_ecs(const AwsSource& s) {
  net::UpstreamRequest r;
  r.method = "GET";
  r.url = s.container_url;
  std::string auth = s.container_token;
  if (auth.empty() && !s.container_token_file.empty()) auth = read_file(s.container_token_file);
  if (!auth.empty()) r.headers.add("authorization", auth);
  auto got = co_await fetch(std::move(r));
  if (!got) co_return got.error();
  if (got->status != 200)
    co_return make_error(ErrorKind::unauthorized, "container credentials endpoint answered HTTP " +
                                                      std::to_string(got->status));
  co_return parse_credentials_json(got->body, "ecs");
}

// IMDSv2: a session token first, then the role's credentials.
asio::awaitable<Result<AwsCredentials>> from_imds(const AwsSource& s) {
  const std::string& base = s.imds_endpoint;
  net::UpstreamRequest put;
  put.method = "PUT";
  put.url = base + "/latest/api/token";
  put.headers.add("x-aws-ec2-metadata-token-ttl-seconds", "21600");
  auto token = co_await fetch(std::move(put));
  if (!token) co_return token.error();
  if (token->status != 200)
    co_return make_error(ErrorKind::unauthorized, "IMDSv2 refused a session token");
  // Requests are named variables: GCC 12 miscompiles awaiting a call whose
  // argument is a temporary aggregate.
  std::string path = base + "/latest/meta-data/iam/security-credentials/";
  net::UpstreamRequest list_roles;
  list_roles.method = "GET";
  list_roles.url = path;
  list_roles.headers.add("x-aws-ec2-metadata-token", token->body);
  net::UpstreamRequest get_role = list_roles;
  auto roles = co_await fetch(std::move(list_roles));
  if (!roles) co_return roles.error();
  std::string role = roles->body.substr(0, roles->body.find('\n'));
  if (roles->status != 200 || role.empty())
    co_return make_error(ErrorKind::unauthorized, "IMDSv2 lists no instance role");
  get_role.url = path + role;
  auto creds = co_await fetch(std::move(get_role));
  if (!creds) co_return creds.error();
  if (creds->status != 200)
    co_return make_error(ErrorKind::unauthorized, "IMDSv2 refused the role credentials");
  co_return parse_credentials_json(creds->body, "imds");
}

bool complete(const AwsCredentials& c) {
  return !c.access_key_id.empty() && !c.secret_access_key.empty();
}

// The AWS SDKs' default chain, in their order.
asio::awaitable<Result<Expiring<AwsCredentials>>> aws_chain(const AwsSource* s, std::string label) {
  std::optional<AwsCredentials> fixed;
  if (complete(s->fixed)) fixed = s->fixed;
  if (!fixed) fixed = from_profile(*s);
  if (fixed) co_return Expiring<AwsCredentials>{*fixed, fixed->expires_at};
  Result<AwsCredentials> got = make_error(ErrorKind::unauthorized, "no AWS credentials found");
  bool web = !s->web_identity_token_file.empty() || !s->web_identity_token.empty();
  if (web)
    got = co_await from_web_identity(*s);
  else if (!s->container_url.empty())
    got = co_await from_ecs(*s);
  else if (!s->imds_endpoint.empty())
    got = co_await from_imds(*s);
  if (!got)
    co_return make_error(ErrorKind::unauthorized,
                         "no AWS credentials: set aws_access_key_id/aws_secret_access_key, the "
                         "AWS_* environment, a profile, web identity, or run with a role (" +
                             got.error().message + ")");
  log::info() << "AWS credentials for " << label << " from " << got->source;
  co_return Expiring<AwsCredentials>{got.value(), got->expires_at};
}

// ---------------------------------------------------------------- Entra ID

EntraSource entra_source(const json::object& params) {
  EntraSource e;
  e.static_token = param(params, "azure_ad_token");
  e.tenant = param(params, "tenant_id");
  e.client = param(params, "client_id");
  e.secret = param(params, "client_secret");
  e.authority = env("AZURE_AUTHORITY_HOST");
  if (e.authority.empty()) e.authority = "https://login.microsoftonline.com";
  while (!e.authority.empty() && e.authority.back() == '/') e.authority.pop_back();
  return e;
}

asio::awaitable<Result<Expiring<std::string>>> fetch_entra_token(const EntraSource* e) {
  net::UpstreamRequest r;
  r.url = e->authority + "/" + e->tenant + "/oauth2/v2.0/token";
  r.headers.add("content-type", "application/x-www-form-urlencoded");
  r.body = "grant_type=client_credentials&client_id=" + form_escape(e->client) +
           "&client_secret=" + form_escape(e->secret) +
           "&scope=" + form_escape("https://cognitiveservices.azure.com/.default");
  auto now = SysClock::now();
  auto got = co_await fetch(std::move(r));
  if (!got) co_return got.error();
  if (got->status != 200)
    co_return make_error(ErrorKind::unauthorized, "Entra ID refused the client credentials (HTTP " +
                                                      std::to_string(got->status) + ")");
  auto token = providers::parse_token_response(got->body, now);
  if (!token) co_return token.error();
  co_return Expiring<std::string>{token->token, token->expires_at};
}

// A static azure_ad_token, else a client-credentials token; empty when the
// deployment uses an api-key instead.
asio::awaitable<Result<std::string>> entra_token(const EntraSource& e) {
  if (!e.static_token.empty()) co_return e.static_token;
  if (e.tenant.empty() || e.client.empty() || e.secret.empty()) co_return std::string();
  std::string key = "azure:" + e.tenant + ":" + e.client;
  const EntraSource* source = &e;
  auto fetch_token = [source] { return fetch_entra_token(source); };
  co_return co_await single_flight(token_cache(), std::move(key), fetch_token);
}

}  // namespace

bool needs_refresh(SysClock::time_point fetched_at, SysClock::time_point expires_at,
                   SysClock::time_point now) {
  if (expires_at == SysClock::time_point::max()) return false;
  auto margin =
      std::min<SysClock::duration>(std::chrono::minutes(5), (expires_at - fetched_at) / 4);
  return now >= expires_at - margin;
}

// An expiry that cannot be read counts as already reached: the credentials
// are fetched again rather than trusted forever.
SysClock::time_point expiry_from(std::string_view text) {
  return parse_iso8601(text).value_or(SysClock::now());
}

AwsSource aws_source(const json::object& params) {
  AwsSource s;
  s.fixed = {param(params, "aws_access_key_id"), param(params, "aws_secret_access_key"),
             param(params, "aws_session_token"), SysClock::time_point::max(), "params"};
  if (!complete(s.fixed))
    s.fixed = {env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN"),
               SysClock::time_point::max(), "env"};
  s.credentials_file = env("AWS_SHARED_CREDENTIALS_FILE");
  if (s.credentials_file.empty() && !env("HOME").empty())
    s.credentials_file = env("HOME") + "/.aws/credentials";
  s.profile = param_or_env(params, "aws_profile_name", {"AWS_PROFILE"});
  if (s.profile.empty()) s.profile = "default";
  s.region = param_or_env(params, "aws_region_name", {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (s.region.empty()) s.region = "us-east-1";
  s.role_arn = param_or_env(params, "aws_role_name", {"AWS_ROLE_ARN"});
  s.web_identity_token = param(params, "aws_web_identity_token");
  s.web_identity_token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
  s.session_name = param_or_env(params, "aws_session_name", {"AWS_ROLE_SESSION_NAME"});
  if (s.session_name.empty()) s.session_name = "routeiq";
  s.sts_endpoint = param_or_env(params, "aws_sts_endpoint", {"AWS_ENDPOINT_URL_STS"});
  if (s.sts_endpoint.empty()) s.sts_endpoint = "https://sts." + s.region + ".amazonaws.com";
  s.container_url = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (s.container_url.empty() && !env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty())
    s.container_url = "http://169.254.170.2" + env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  s.container_token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  s.container_token_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  if (env("AWS_EC2_METADATA_DISABLED") != "true") {
    s.imds_endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (s.imds_endpoint.empty()) s.imds_endpoint = "http://169.254.169.254";
    while (!s.imds_endpoint.empty() && s.imds_endpoint.back() == '/') s.imds_endpoint.pop_back();
  }
  return s;
}

std::shared_ptr<const Source> source_for(providers::WireFormat format, const json::object& params,
                                         bool has_api_key, std::string_view id,
                                         std::string_view label) {
  Source source;
  switch (format) {
    case providers::WireFormat::vertex_ai:
      source.how = google_source(params);
      break;
    case providers::WireFormat::bedrock:
      // Bedrock API keys are bearer tokens: no signing, no chain.
      if (has_api_key) return nullptr;
      source.cache_key = "aws:" + std::string(id);
      source.how = aws_source(params);
      break;
    case providers::WireFormat::azure: {
      auto entra = entra_source(params);
      if (entra.static_token.empty() && entra.tenant.empty()) return nullptr;
      source.how = std::move(entra);
      break;
    }
    default:
      return nullptr;
  }
  source.label = std::string(label);
  return std::make_shared<const Source>(std::move(source));
}

asio::awaitable<Result<AwsCredentials>> aws_credentials(const Source& source) {
  const auto* aws = std::get_if<AwsSource>(&source.how);
  if (!aws) co_return make_error(ErrorKind::internal, "not an AWS credential source");
  std::string label = source.label;
  auto fetch_chain = [aws, label] { return aws_chain(aws, label); };
  co_return co_await single_flight(aws_cache(), source.cache_key, fetch_chain);
}

asio::awaitable<Status> fill(const Source& source, providers::Target& target) {
  if (const auto* google = std::get_if<GoogleSource>(&source.how)) {
    auto token = co_await google_token(*google);
    if (!token) co_return token.error();
    target.credentials.bearer_token = token.value();
  } else if (const auto* aws = std::get_if<AwsSource>(&source.how)) {
    auto creds = co_await aws_credentials(source);
    if (!creds) co_return creds.error();
    target.credentials.access_key_id = creds->access_key_id;
    target.credentials.secret_access_key = creds->secret_access_key;
    target.credentials.session_token = creds->session_token;
    target.credentials.region = aws->region;
  } else if (const auto* entra = std::get_if<EntraSource>(&source.how)) {
    auto token = co_await entra_token(*entra);
    if (!token) co_return token.error();
    target.credentials.bearer_token = token.value();
  }
  co_return ok_status();
}

}  // namespace routeiq::credentials
