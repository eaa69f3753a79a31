#pragma once
// Header lists and the checks every header passes where it is written: no
// byte of a client, an upstream or a config may split a message.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routeiq/core/http_request.hpp"

namespace routeiq::net {

using HeaderList = routeiq::HeaderList;

// True when a header value can be written as is: no CR, LF or NUL (RFC 9110
// section 5.5). A name must be visible ASCII without ':'.
bool valid_header_value(std::string_view value);
bool valid_header_name(std::string_view name);

}  // namespace routeiq::net
