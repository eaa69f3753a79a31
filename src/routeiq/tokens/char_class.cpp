#include "routeiq/tokens/char_class.hpp"

#include <unicode/uchar.h>

#include <array>

namespace routeiq::tokens {
namespace {

uint8_t classify(uint32_t cp) {
  auto c = static_cast<UChar32>(cp);
  uint8_t out = u_isUWhiteSpace(c) ? kSpace : 0;
  if (cp == '\r' || cp == '\n') out |= kNewline;
  switch (u_charType(c)) {
    case U_UPPERCASE_LETTER:
    case U_TITLECASE_LETTER:
      return out | kLetter | kUpperish;
    case U_LOWERCASE_LETTER:
      return out | kLetter | kLowerish;
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return out | kLetter | kUpperish | kLowerish;
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
      return out | kUpperish | kLowerish;
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return out | kNumber;
    default:
      return out;
  }
}

struct BmpTable {
  std::array<uint8_t, 0x10000> classes{};
  BmpTable() {
    for (uint32_t cp = 0; cp < classes.size(); ++cp) classes[cp] = classify(cp);
  }
};

}  // namespace

uint8_t char_class(uint32_t cp) {
  // Built on the first call (thread-safe static), i.e. when an encoding is first used.
  static const BmpTable bmp;
  if (cp < bmp.classes.size()) return bmp.classes[cp];
  return classify(cp);
}

}  // namespace routeiq::tokens
