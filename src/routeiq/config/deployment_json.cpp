// A model_list entry given as JSON, read by the file's rules. JSON is a subset
// of YAML's flow style, so the entry is serialized and read back as YAML: the
// same parser checks it (a string stays a string, as quoted YAML does), and
// a deployment added through the API can never mean something else than the
// same entry written in config.yaml.
#include <boost/json/serialize.hpp>

#include "routeiq/config/deployment_json.hpp"

#include "routeiq/config/sections.hpp"

namespace routeiq::config {

namespace {

// Messages name "<file>:<line>: <path>:"; the entry has no file, so the
// prefix of its one line is dropped.
std::string without_place(std::string message, const std::string& name) {
  std::string prefix = name + ":1: ";
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  return message;
}

}  // namespace

Result<JsonDeployment> load_deployment_json(const boost::json::object& entry) {
  static const std::string kName = "<deployment>";
  try {
    YAML::Node node = YAML::Load(boost::json::serialize(entry));
    detail::At at{&kName, 1, ""};
    detail::check_document_size(node, at);
    detail::Warnings warnings;
    auto parsed = detail::parse_deployment(node, at, warnings);
    JsonDeployment out{std::move(parsed.deployment), {}};
    for (auto& w : warnings) out.warnings.push_back(without_place(std::move(w), kName));
    return out;
  } catch (const detail::LoadError& e) {
    return make_error(ErrorKind::invalid_request, without_place(e.what(), kName));
  } catch (const YAML::Exception& e) {
    return make_error(ErrorKind::invalid_request, "invalid deployment: " + e.msg);
  }
}

}  // namespace routeiq::config
