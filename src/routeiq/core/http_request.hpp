#pragma once
// One request to an upstream: built by a provider translator or a credential
// source, sent by the network layer. One type for both, so nothing is copied
// field by field between them.
#include <string>
#include <utility>
#include <vector>

namespace routeiq {

// Header lines in the order they are sent. Values are checked (no CR, LF or
// NUL) where bytes leave the process: net/headers.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  std::string url;  // absolute: https://host[:port]/path?query
  // Signed requests (SigV4) cover `host`: the network layer must send the Host
  // header derived from `url` (port omitted when it is the scheme's default).
  HeaderList headers;
  std::string body;
  bool stream = false;  // the response is a stream to feed to a codec's decode_stream()
};

}  // namespace routeiq
