#pragma once
// One request to an upstream: built by a provider translator or a credential
// source, sent by the network layer. One type for both, so nothing is copied
// field by field between them.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace routeiq {

// True when a header value can be written as is: no CR, LF or NUL (RFC 9110
// section 5.5). A name must be visible ASCII without ':'.
bool valid_header_value(std::string_view value);
bool valid_header_name(std::string_view name);

// Header lines in the order they are sent. Every header enters through add(),
// which refuses a name or value that could split a message, so a list can be
// written without looking at its bytes again. The first refused name is kept:
// an upstream request with a refused header is not sent at all (dropping an
// authorization header would only turn into a confusing 401 later).
class HeaderList {
 public:
  using Header = std::pair<std::string, std::string>;
  using const_iterator = std::vector<Header>::const_iterator;

  HeaderList() = default;
  // Each header as add() takes it: {{"content-type", "application/json"}, ...}
  HeaderList(std::initializer_list<std::pair<std::string_view, std::string_view>> headers);

  // Appends the header; false, and nothing appended, when it cannot be sent.
  bool add(std::string_view name, std::string value);
  // Appends every header of `other` (already checked).
  void append(const HeaderList& other);
  void append(HeaderList&& other);
  void clear();
  void reserve(size_t n) { headers_.reserve(n); }

  // The value of the first header named `name` (ASCII case-insensitive), or empty.
  std::string_view find(std::string_view name) const;
  // The name of the first refused header ("?" when the name itself was
  // unsendable), or empty when every add() succeeded.
  std::string_view refused() const { return refused_; }

  bool empty() const { return headers_.empty(); }
  size_t size() const { return headers_.size(); }
  const_iterator begin() const { return headers_.begin(); }
  const_iterator end() const { return headers_.end(); }
  const Header& operator[](size_t i) const { return headers_[i]; }

 private:
  void note_refused(std::string_view name);

  std::vector<Header> headers_;
  std::string refused_;
};

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
