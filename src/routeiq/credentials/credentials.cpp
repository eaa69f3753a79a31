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

std::string param(const config::Deployment& d, std::string_view key) {
  auto it = d.extra_params.find(key);
  if (it == d.extra_params.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
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

// The parsed service account of a vertex_credentials value (a path or the
// JSON itself): the file is read once, not per request.
Result<std::shared_ptr<const providers::ServiceAccount>> service_account(
    const std::string& credentials) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const providers::ServiceAccount>> parsed;
  {
    std::lock_guard lock(mutex);
    if (auto it = parsed.find(credentials); it != parsed.end()) return it->second;
  }
  std::string text = credentials;
  if (!text.empty() && text.front() != '{') text = read_file(credentials);
  if (text.empty())
    return make_error(ErrorKind::invalid_request,
                      "vertex_credentials: no service-account JSON (file missing or empty)");
  auto account = providers::parse_service_account(text);
  if (!account) return account.error();
  auto shared = std::make_shared<const providers::ServiceAccount>(std::move(account.value()));
  std::lock_guard lock(mutex);
  parsed.emplace(credentials, shared);
  return shared;
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

asio::awaitable<Result<std::string>> google_token(const std::string& credentials) {
  auto account = service_account(credentials);
  if (!account) co_return account.error();
  auto shared = account.value();
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

std::optional<AwsCredentials> from_params(const config::Deployment& d) {
  AwsCredentials c{param(d, "aws_access_key_id"), param(d, "aws_secret_access_key"),
                   param(d, "aws_session_token")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  c.source = "params";
  return c;
}

std::optional<AwsCredentials> from_env() {
  AwsCredentials c{env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"),
                   env("AWS_SESSION_TOKEN")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) return std::nullopt;
  c.source = "env";
  return c;
}

// The shared credentials file (INI): [profile] with aws_* keys.
std::optional<AwsCredentials> from_profile(const config::Deployment& d) {
  std::string path = env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty() && !env("HOME").empty()) path = env("HOME") + "/.aws/credentials";
  std::string profile = param(d, "aws_profile_name");
  if (profile.empty()) profile = env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  AwsCredentials c;
  std::string line, section;
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t\r"));
    s.erase(s.find_last_not_of(" \t\r") + 1);
    return s;
  };
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    if (section != profile) continue;
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

std::string region_of(const config::Deployment& d) {
  std::string r = param(d, "aws_region_name");
  if (r.empty()) r = env("AWS_REGION");
  if (r.empty()) r = env("AWS_DEFAULT_REGION");
  return r.empty() ? "us-east-1" : r;
}

asio::awaitable<Result<AwsCredentials>> from_web_identity(const config::Deployment& d) {
  std::string token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
  std::string role = param(d, "aws_role_name");
  if (role.empty()) role = env("AWS_ROLE_ARN");
  std::string token = param(d, "aws_web_identity_token");
  if (token.empty() && !token_file.empty()) token = read_file(token_file);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  std::string session = param(d, "aws_session_name");
  if (session.empty()) session = env("AWS_ROLE_SESSION_NAME");
  if (session.empty()) session = "routeiq";
  std::string endpoint = param(d, "aws_sts_endpoint");
  if (endpoint.empty()) endpoint = env("AWS_ENDPOINT_URL_STS");
  if (endpoint.empty()) endpoint = "https://sts." + region_of(d) + ".amazonaws.com";
  net::UpstreamRequest r;
  r.url = endpoint + "/";
  r.headers.add("content-type", "application/x-www-form-urlencoded");
  r.headers.add("accept", "application/xml");
  r.body = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=" + form_escape(role) +
           "&RoleSessionName=" + form_escape(session) + "&WebIdentityToken=" + form_escape(token);
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
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return make_error(ErrorKind::unauthorized, source + " credentials are not JSON");
  const auto& o = v.as_object();
  auto str = [&](const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                    : std::string();
  };
  AwsCredentials c{str("AccessKeyId"), str("SecretAccessKey"), str("Token")};
  if (auto e = str("Expiration"); !e.empty()) c.expires_at = expiry_from(e);
  c.source = std::move(source);
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    return make_error(ErrorKind::unauthorized, c.source + " credentials are incomplete");
  return c;
}

asio::awaitable<Result<AwsCredentials>> from_ecs() {
  std::string url = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  if (url.empty()) url = "http://169.254.170.2" + env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  net::UpstreamRequest r;
  r.method = "GET";
  r.url = url;
  std::string auth = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (auth.empty() && !env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").empty())
    auth = read_file(env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
  if (!auth.empty()) r.headers.add("authorization", auth);
  auto got = co_await fetch(std::move(r));
  if (!got) co_return got.error();
  if (got->status != 200)
    co_return make_error(ErrorKind::unauthorized, "container credentials endpoint answered HTTP " +
                                                      std::to_string(got->status));
  co_return parse_credentials_json(got->body, "ecs");
}

// IMDSv2: a session token first, then the role's credentials.
asio::awaitable<Result<AwsCredentials>> from_imds() {
  std::string base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  while (!base.empty() && base.back() == '/') base.pop_back();
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

// The AWS SDKs' default chain, in their order.
asio::awaitable<Result<Expiring<AwsCredentials>>> aws_chain(const config::Deployment& d) {
  std::optional<AwsCredentials> fixed = from_params(d);
  if (!fixed) fixed = from_env();
  if (!fixed) fixed = from_profile(d);
  if (fixed) co_return Expiring<AwsCredentials>{*fixed, fixed->expires_at};
  Result<AwsCredentials> got = make_error(ErrorKind::unauthorized, "no AWS credentials found");
  bool web =
      !env("AWS_WEB_IDENTITY_TOKEN_FILE").empty() || !param(d, "aws_web_identity_token").empty();
  bool ecs = !env("AWS_CONTAINER_CREDENTIALS_FULL_URI").empty() ||
             !env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").empty();
  bool imds = env("AWS_EC2_METADATA_DISABLED") != "true";
  if (web)
    got = co_await from_web_identity(d);
  else if (ecs)
    got = co_await from_ecs();
  else if (imds)
    got = co_await from_imds();
  if (!got)
    co_return make_error(ErrorKind::unauthorized,
                         "no AWS credentials: set aws_access_key_id/aws_secret_access_key, the "
                         "AWS_* environment, a profile, web identity, or run with a role (" +
                             got.error().message + ")");
  log::info() << "AWS credentials for " << d.model_name << " from " << got->source;
  co_return Expiring<AwsCredentials>{got.value(), got->expires_at};
}

// Cached per deployment, whatever the source: a profile file or the
// environment is read once, not per request.
asio::awaitable<Result<AwsCredentials>> aws_credentials(const config::Deployment& d) {
  const config::Deployment* deployment = &d;
  std::string key = "aws:" + d.model_info.id;
  auto fetch_chain = [deployment] { return aws_chain(*deployment); };
  co_return co_await single_flight(aws_cache(), std::move(key), fetch_chain);
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

asio::awaitable<Status> fill_credentials(const runtime::DeploymentRuntime& d,
                                         providers::Target& target) {
  switch (d.provider->format) {
    case providers::WireFormat::vertex_ai: {
      static const std::string kDefaultCredentials = env("GOOGLE_APPLICATION_CREDENTIALS");
      std::string creds = param(*d.config, "vertex_credentials");
      if (creds.empty()) creds = kDefaultCredentials;
      auto token = co_await google_token(creds);
      if (!token) co_return token.error();
      target.credentials.bearer_token = token.value();
      co_return ok_status();
    }
    case providers::WireFormat::bedrock: {
      if (!d.api_key.empty()) co_return ok_status();  // Bedrock API keys are bearer tokens
      auto creds = co_await aws_credentials(*d.config);
      if (!creds) co_return creds.error();
      target.credentials.access_key_id = creds->access_key_id;
      target.credentials.secret_access_key = creds->secret_access_key;
      target.credentials.session_token = creds->session_token;
      target.credentials.region = region_of(*d.config);
      co_return ok_status();
    }
    default:
      co_return ok_status();
  }
}

namespace {

asio::awaitable<Result<Expiring<std::string>>> fetch_entra_token(std::string tenant,
                                                                 std::string client,
                                                                 std::string secret) {
  std::string authority = env("AZURE_AUTHORITY_HOST");
  if (authority.empty()) authority = "https://login.microsoftonline.com";
  while (!authority.empty() && authority.back() == '/') authority.pop_back();
  net::UpstreamRequest r;
  r.url = authority + "/" + tenant + "/oauth2/v2.0/token";
  r.headers.add("content-type", "application/x-www-form-urlencoded");
  r.body = "grant_type=client_credentials&client_id=" + form_escape(client) +
           "&client_secret=" + form_escape(secret) +
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

}  // namespace

asio::awaitable<Result<std::string>> azure_bearer_token(const runtime::DeploymentRuntime& d) {
  if (auto t = param(*d.config, "azure_ad_token"); !t.empty()) co_return t;
  std::string tenant = param(*d.config, "tenant_id"), client = param(*d.config, "client_id"),
              secret = param(*d.config, "client_secret");
  if (tenant.empty() || client.empty() || secret.empty()) co_return std::string();
  std::string key = "azure:" + tenant + ":" + client;
  auto fetch_token = [tenant, client, secret] { return fetch_entra_token(tenant, client, secret); };
  co_return co_await single_flight(token_cache(), std::move(key), fetch_token);
}

}  // namespace routeiq::credentials
