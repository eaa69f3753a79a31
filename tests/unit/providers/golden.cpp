#include "golden.hpp"

#include "routeiq/providers/eventstream.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace routeiq::providers::testing {

std::chrono::system_clock::time_point fixed_now() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(kNowSeconds));
}

fs::path data_dir(std::string_view format) {
  return fs::path(ROUTEIQ_TEST_DATA) / "providers" / std::string(format);
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json::object read_json(const fs::path& p) {
  return json::parse(read_text(p)).as_object();
}

std::vector<fs::path> fixtures(std::string_view format, std::string_view suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(data_dir(format))) {
    auto name = e.path().filename().string();
    if (name.size() > suffix.size() && name.ends_with(suffix)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string mismatch(const json::value& expected, const json::value& actual,
                     const std::string& path) {
  if (expected.is_string() && expected.get_string() == "*") return {};
  if (expected.is_number() && actual.is_number())
    return expected.to_number<double>() == actual.to_number<double>() ? "" : path;
  if (expected.kind() != actual.kind())
    return path + " (kind differs: got " + json::serialize(actual) + ")";
  if (auto* eo = expected.if_object()) {
    const auto& ao = actual.get_object();
    for (const auto& [k, v] : *eo) {
      auto* a = ao.if_contains(k);
      if (!a) return path + "." + std::string(k) + " (missing)";
      if (auto m = mismatch(v, *a, path + "." + std::string(k)); !m.empty()) return m;
    }
    for (const auto& [k, v] : ao)
      if (!eo->contains(k)) return path + "." + std::string(k) + " (unexpected)";
    return {};
  }
  if (auto* ea = expected.if_array()) {
    const auto& aa = actual.get_array();
    if (ea->size() != aa.size()) return path + " (size " + std::to_string(aa.size()) + ")";
    for (size_t i = 0; i < ea->size(); ++i)
      if (auto m = mismatch((*ea)[i], aa[i], path + "[" + std::to_string(i) + "]"); !m.empty())
        return m;
    return {};
  }
  return expected == actual ? "" : path + " (got " + json::serialize(actual) + ")";
}

namespace {
std::string str(const json::object& o, std::string_view k) {
  auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}
}  // namespace

Target target_from(const json::object& spec) {
  Target t;
  t.provider = str(spec, "provider");
  t.model = str(spec, "model");
  t.api_base = str(spec, "api_base");
  t.api_version = str(spec, "api_version");
  if (auto* c = spec.if_contains("credentials")) {
    const auto& co = c->as_object();
    t.credentials.api_key = str(co, "api_key");
    t.credentials.bearer_token = str(co, "bearer_token");
    t.credentials.access_key_id = str(co, "access_key_id");
    t.credentials.secret_access_key = str(co, "secret_access_key");
    t.credentials.session_token = str(co, "session_token");
    t.credentials.region = str(co, "region");
  }
  if (auto* e = spec.if_contains("extra_params")) t.extra_params = e->as_object();
  if (auto* d = spec.if_contains("drop_params")) t.drop_params = d->as_bool();
  if (auto* h = spec.if_contains("extra_headers"))
    for (const auto& pair : h->as_array())
      t.extra_headers.add(pair.as_array()[0].as_string(),
                          std::string(pair.as_array()[1].as_string()));
  return t;
}

json::object accumulate(const std::vector<json::object>& chunks) {
  json::object out;
  std::string content, reasoning;
  bool has_content = false, has_reasoning = false;
  std::map<int64_t, json::object> calls;
  for (const auto& c : chunks) {
    EXPECT_EQ(c.at("object"), "chat.completion.chunk");
    EXPECT_EQ(c.at("created"), kNowSeconds);
    if (out.contains("id")) {
      EXPECT_EQ(out.at("id"), c.at("id")) << "id changes mid-stream";
    }
    out["id"] = c.at("id");
    if (auto* u = c.if_contains("usage"); u && !u->is_null()) out["usage"] = *u;
    for (const auto& ch : c.at("choices").as_array()) {
      const auto& choice = ch.as_object();
      EXPECT_EQ(choice.at("index"), 0);
      if (!choice.at("finish_reason").is_null()) out["finish_reason"] = choice.at("finish_reason");
      const auto& delta = choice.at("delta").as_object();
      if (auto* r = delta.if_contains("role")) out["role"] = *r;
      if (auto* t = delta.if_contains("content"); t && t->is_string()) {
        content += t->get_string();
        has_content = true;
      }
      if (auto* t = delta.if_contains("reasoning_content"); t && t->is_string()) {
        reasoning += t->get_string();
        has_reasoning = true;
      }
      if (auto* tcs = delta.if_contains("tool_calls")) {
        for (const auto& tc : tcs->as_array()) {
          const auto& d = tc.as_object();
          auto& call = calls[d.at("index").as_int64()];
          if (auto* id = d.if_contains("id")) call["id"] = *id;
          if (auto* type = d.if_contains("type")) call["type"] = *type;
          auto& fn = call["function"];
          if (!fn.is_object()) fn = json::object{{"name", ""}, {"arguments", ""}};
          if (auto* f = d.if_contains("function")) {
            const auto& fo = f->as_object();
            if (auto* n = fo.if_contains("name"))
              fn.as_object()["name"] =
                  std::string(fn.as_object()["name"].as_string()) + std::string(n->as_string());
            if (auto* a = fo.if_contains("arguments"))
              fn.as_object()["arguments"] = std::string(fn.as_object()["arguments"].as_string()) +
                                            std::string(a->as_string());
          }
        }
      }
    }
  }
  if (has_content && !content.empty()) out["content"] = content;
  if (has_reasoning) out["reasoning_content"] = reasoning;
  if (!calls.empty()) {
    json::array arr;
    int64_t expected_index = 0;
    for (auto& [index, call] : calls) {
      EXPECT_EQ(index, expected_index++) << "tool call indexes must be dense";
      arr.push_back(call);
    }
    out["tool_calls"] = std::move(arr);
  }
  return out;
}

void expect_error_matches(const Error& e, const json::object& spec) {
  if (auto kind = str(spec, "kind"); !kind.empty()) {
    EXPECT_EQ(error_kind_name(e.kind), kind);
  }
  if (auto* s = spec.if_contains("status")) {
    EXPECT_EQ(e.status(), s->as_int64());
  }
  if (auto p = str(spec, "param"); !p.empty()) {
    EXPECT_EQ(e.param, p);
  }
  if (auto m = str(spec, "message_contains"); !m.empty()) {
    EXPECT_NE(e.message.find(m), std::string::npos) << e.message;
  }
}

void expect_usage_matches(const Usage& u, const json::object& spec) {
  auto field = [&](std::string_view k) -> int64_t {
    auto* v = spec.if_contains(k);
    return v ? v->as_int64() : 0;
  };
  EXPECT_EQ(u.prompt_tokens, field("prompt_tokens"));
  EXPECT_EQ(u.completion_tokens, field("completion_tokens"));
  EXPECT_EQ(u.cached_tokens, field("cached_tokens"));
  EXPECT_EQ(u.cache_creation_tokens, field("cache_creation_tokens"));
  EXPECT_EQ(u.reasoning_tokens, field("reasoning_tokens"));
}

namespace {

std::unique_ptr<ChatTranslator> encoded_translator(std::string_view format,
                                                   const json::object& doc) {
  auto t = make_chat_translator(format);
  EXPECT_TRUE(t) << format;
  if (!t) return t;
  json::object request{{"model", "m"}, {"messages", json::array{}}};
  if (auto* r = doc.if_contains("openai_request")) request = r->as_object();
  Target target;
  target.model = "fixture-model";
  target.credentials.api_key = "k";
  target.credentials.access_key_id = "AKID";
  target.credentials.secret_access_key = "secret";
  target.extra_params["vertex_project"] = "p";
  target.extra_params["aws_region_name"] = "us-east-1";
  if (auto* spec = doc.if_contains("target")) target = target_from(spec->as_object());
  auto encoded = t->encode(request, target, fixed_now());
  EXPECT_TRUE(encoded.ok()) << (encoded.ok() ? "" : encoded.error().message);
  return t;
}

std::string body_text(const json::object& doc) {
  const auto& body = doc.at("body");
  return body.is_string() ? std::string(body.get_string()) : json::serialize(body);
}

}  // namespace

void run_request_fixtures(std::string_view format) {
  auto files = fixtures(format, ".request.json");
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    auto doc = read_json(path);
    auto t = make_chat_translator(format);
    ASSERT_TRUE(t);
    auto result = t->encode(doc.at("openai").as_object(), target_from(doc.at("target").as_object()),
                            fixed_now());
    if (auto* err = doc.if_contains("expect_error")) {
      ASSERT_FALSE(result.ok());
      expect_error_matches(result.error(), err->as_object());
      continue;
    }
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& expect = doc.at("expect").as_object();
    if (auto m = str(expect, "method"); !m.empty()) {
      EXPECT_EQ(result->method, m);
    }
    if (auto u = str(expect, "url"); !u.empty()) {
      EXPECT_EQ(result->url, u);
    }
    if (auto* s = expect.if_contains("stream")) {
      EXPECT_EQ(result->stream, s->as_bool());
    }
    if (auto* headers = expect.if_contains("headers")) {
      for (const auto& h : headers->as_array()) {
        auto name = std::string(h.as_array()[0].as_string());
        auto value = std::string(h.as_array()[1].as_string());
        auto it = std::find_if(result->headers.begin(), result->headers.end(),
                               [&](auto& p) { return p.first == name; });
        ASSERT_NE(it, result->headers.end()) << "missing header " << name;
        if (value != "*") {
          EXPECT_EQ(it->second, value) << name;
        }
      }
    }
    if (auto* absent = expect.if_contains("absent_headers")) {
      for (const auto& h : absent->as_array()) {
        for (const auto& [k, v] : result->headers) EXPECT_NE(k, h.as_string()) << k;
      }
    }
    auto body = json::parse(result->body);
    auto diff = mismatch(expect.at("body"), body);
    EXPECT_TRUE(diff.empty()) << diff << "\nbody: " << result->body;
  }
}

void run_response_fixtures(std::string_view format) {
  auto files = fixtures(format, ".response.json");
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    auto doc = read_json(path);
    auto t = encoded_translator(format, doc);
    ASSERT_TRUE(t);
    auto result = t->decode(body_text(doc));
    if (auto* err = doc.if_contains("expect_error")) {
      ASSERT_FALSE(result.ok());
      expect_error_matches(result.error(), err->as_object());
      continue;
    }
    ASSERT_TRUE(result.ok()) << result.error().message;
    auto diff = mismatch(doc.at("expect"), *result);
    EXPECT_TRUE(diff.empty()) << diff << "\ngot: " << json::serialize(*result);
    if (auto* u = doc.if_contains("expect_usage")) expect_usage_matches(t->usage(), u->as_object());
  }
}

void run_error_fixtures(std::string_view format) {
  auto files = fixtures(format, ".error.json");
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    auto doc = read_json(path);
    auto t = encoded_translator(format, doc);
    ASSERT_TRUE(t);
    auto e = t->decode_error(int(doc.at("status").as_int64()), body_text(doc));
    expect_error_matches(e, doc.at("expect_error").as_object());
  }
}

std::string sse_transcript(const fs::path& fixture, const json::object&) {
  auto name = fixture.filename().string();
  name = name.substr(0, name.size() - std::string(".stream.json").size());
  return read_text(fixture.parent_path() / (name + ".sse"));
}

namespace {

struct StreamRun {
  std::vector<json::object> chunks;
  std::optional<Error> error;
  bool finished = false;
  Usage usage;
};

StreamRun run_stream(std::string_view format, const json::object& doc, std::string_view bytes,
                     std::vector<size_t> cuts) {
  StreamRun run;
  auto t = encoded_translator(format, doc);
  if (!t) return run;
  cuts.push_back(bytes.size());
  size_t start = 0;
  for (size_t cut : cuts) {
    auto st = t->decode_stream(bytes.substr(start, cut - start), run.chunks);
    start = cut;
    if (!st) {
      run.error = st.error();
      break;
    }
  }
  run.finished = t->stream_finished();
  run.usage = t->usage();
  return run;
}

void check_stream_run(const StreamRun& run, const json::object& doc) {
  auto acc = accumulate(run.chunks);
  auto diff = mismatch(doc.at("expect"), acc);
  EXPECT_TRUE(diff.empty()) << diff << "\ngot: " << json::serialize(acc);
  if (auto* err = doc.if_contains("expect_error")) {
    ASSERT_TRUE(run.error.has_value());
    expect_error_matches(*run.error, err->as_object());
  } else {
    EXPECT_FALSE(run.error.has_value()) << run.error->message;
  }
  if (auto* f = doc.if_contains("expect_finished")) {
    EXPECT_EQ(run.finished, f->as_bool());
  }
  if (auto* u = doc.if_contains("expect_usage")) expect_usage_matches(run.usage, u->as_object());
}

// Ids a translator makes up itself (no provider id) differ between runs.
std::string without_generated_ids(json::object acc) {
  acc.erase("id");
  if (auto* calls = acc.if_contains("tool_calls"))
    for (auto& c : calls->as_array()) c.as_object().erase("id");
  return json::serialize(acc);
}

}  // namespace

// "events": [[event-type, payload]] or ["!exception", exception-type, payload],
// framed as ConverseStream does.
std::string event_stream_transcript(const fs::path&, const json::object& doc) {
  std::string bytes;
  for (const auto& e : doc.at("events").as_array()) {
    const auto& ev = e.as_array();
    EventStreamMessage m;
    if (ev[0].as_string() == "!exception") {
      m.headers = {{":exception-type", event_string(std::string(ev[1].as_string()))},
                   {":content-type", event_string("application/json")},
                   {":message-type", event_string("exception")}};
      m.payload = json::serialize(ev[2]);
    } else {
      m.headers = {{":event-type", event_string(std::string(ev[0].as_string()))},
                   {":content-type", event_string("application/json")},
                   {":message-type", event_string("event")}};
      m.payload = json::serialize(ev[1]);
    }
    bytes += encode_event_stream_message(m);
  }
  return bytes;
}

void run_stream_fixtures(std::string_view format, TranscriptFn transcript) {
  auto files = fixtures(format, ".stream.json");
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    auto doc = read_json(path);
    const std::string bytes = transcript(path, doc);
    ASSERT_FALSE(bytes.empty());
    auto whole = run_stream(format, doc, bytes, {});
    check_stream_run(whole, doc);
    for (size_t cut = 1; cut < bytes.size(); ++cut) {
      auto split = run_stream(format, doc, bytes, {cut});
      ASSERT_EQ(split.chunks.size(), whole.chunks.size()) << "cut at " << cut;
      ASSERT_EQ(without_generated_ids(accumulate(split.chunks)),
                without_generated_ids(accumulate(whole.chunks)))
          << "cut at " << cut;
      ASSERT_EQ(split.error.has_value(), whole.error.has_value()) << "cut at " << cut;
    }
    std::vector<size_t> every_byte;
    for (size_t i = 1; i < bytes.size(); ++i) every_byte.push_back(i);
    check_stream_run(run_stream(format, doc, bytes, every_byte), doc);
  }
}

}  // namespace routeiq::providers::testing
