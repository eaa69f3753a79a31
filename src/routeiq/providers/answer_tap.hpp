#pragma once
// The facts a pass-through codec needs from an answer it relays unchanged,
// read with Boost.JSON's event (SAX) parser so no DOM of the answer is built:
// the bytes are validated as one JSON object, and only the carrier object's
// "model" string, its "usage" object (numbers and nested objects of numbers)
// and whether it has an "error" member are kept.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "routeiq/core/error.hpp"

namespace routeiq::providers {

struct AnswerFacts {
  std::string model;
  bool has_usage = false;
  boost::json::object usage;
  bool has_error = false;
};

// carrier: "" for the top-level object, or the name of one of its members
// (Anthropic's message_start carries its facts in "message"). An error when
// `text` is not a single JSON object (or has a non-finite number).
Result<AnswerFacts> read_answer_facts(std::string_view text, std::string_view carrier = {});

}  // namespace routeiq::providers
