#include "routeiq/config/stable_id.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "routeiq/core/sha256.hpp"

namespace routeiq::config {
namespace {

void write_canonical(const boost::json::value& value, std::string& out) {
  if (value.is_object()) {
    const auto& object = value.get_object();
    std::vector<const boost::json::key_value_pair*> members;
    for (const auto& member : object) members.push_back(&member);
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
    out += '{';
    for (size_t i = 0; i < members.size(); ++i) {
      if (i) out += ',';
      out += boost::json::serialize(boost::json::value(members[i]->key()));
      out += ':';
      write_canonical(members[i]->value(), out);
    }
    out += '}';
    return;
  }
  if (value.is_array()) {
    const auto& array = value.get_array();
    out += '[';
    for (size_t i = 0; i < array.size(); ++i) {
      if (i) out += ',';
      write_canonical(array[i], out);
    }
    out += ']';
    return;
  }
  out += boost::json::serialize(value);
}

}  // namespace

std::string canonical_json(const boost::json::value& value) {
  std::string out;
  write_canonical(value, out);
  return out;
}

std::string deployment_id(std::string_view model_name, const boost::json::value& litellm_params) {
  // The group name is part of the input: the same upstream listed under two
  // groups is two deployments with separate health and limits.
  std::string input = canonical_json(boost::json::value(model_name));
  input += '\n';
  input += canonical_json(litellm_params);
  auto digest = sha256(input);
  return to_hex(digest.data(), 16);
}

}  // namespace routeiq::config
