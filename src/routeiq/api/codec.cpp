#include "routeiq/api/codec.hpp"

#include <boost/json.hpp>

namespace routeiq::api {
namespace json = boost::json;

std::string error_body(Dialect dialect, const Error& error) {
  return dialect == Dialect::anthropic ? anthropic_error_body(error) : openai_error_body(error);
}

Result<json::object> OpenAIDecoder::full(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object())
    return make_error(ErrorKind::upstream_error, "upstream returned a body that is not JSON");
  return std::move(v.as_object());
}

Status OpenAIDecoder::feed(std::string_view bytes, std::vector<json::object>& chunks) {
  events_.clear();
  if (auto st = parser_.feed(bytes, events_); !st) return st;
  for (const auto& e : events_) {
    if (e.data.empty() || e.data == "[DONE]") continue;
    boost::system::error_code ec;
    auto v = json::parse(e.data, ec);
    if (ec || !v.is_object())
      return make_error(ErrorKind::upstream_error, "upstream sent a stream event that is not JSON");
    if (v.as_object().contains("error")) {
      const auto& err = v.as_object().at("error");
      std::string message =
          err.is_object() && err.as_object().contains("message") && err.at("message").is_string()
              ? std::string(err.at("message").as_string())
              : "upstream stream error";
      return make_error(ErrorKind::upstream_error, message);
    }
    chunks.push_back(std::move(v.as_object()));
  }
  return ok_status();
}

namespace {

class OpenAIEncoder final : public ResponseEncoder {
 public:
  std::string full(const json::object& r) override { return json::serialize(r); }
  void chunk(const json::object& c, std::string& out) override {
    out += "data: ";
    out += json::serialize(c);
    out += "\n\n";
  }
  void finish(std::string& out) override { out += "data: [DONE]\n\n"; }
  void fail(const Error& e, std::string& out) override {
    out += "data: ";
    out += openai_error_body(e);
    out += "\n\n";
  }
};

class AnthropicEncoder final : public ResponseEncoder {
 public:
  explicit AnthropicEncoder(std::string model) : stream_(std::move(model)) {}
  std::string full(const json::object& r) override {
    return json::serialize(providers::openai_response_to_anthropic(r));
  }
  void chunk(const json::object& c, std::string& out) override { stream_.on_chunk(c, out); }
  void finish(std::string& out) override { stream_.finish(out); }
  void fail(const Error& e, std::string& out) override { stream_.fail(e, out); }

 private:
  providers::AnthropicStreamEncoder stream_;
};

}  // namespace

std::unique_ptr<ResponseEncoder> make_encoder(Dialect dialect, std::string model) {
  if (dialect == Dialect::anthropic) return std::make_unique<AnthropicEncoder>(std::move(model));
  return std::make_unique<OpenAIEncoder>();
}

}  // namespace routeiq::api
