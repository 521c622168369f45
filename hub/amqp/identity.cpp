#include "amqp/identity.hpp"

namespace docaxis::amqp {

std::string uid_from_subject(std::string_view subject) {
  // Split on unescaped commas; find "UID=" (case-insensitive type, per RFC 4514).
  std::size_t start = 0;
  for (std::size_t i = 0; i <= subject.size(); ++i) {
    const bool end = i == subject.size();
    if (!end && subject[i] == '\\') {
      ++i;  // skip the escaped character
      continue;
    }
    if (!end && subject[i] != ',') continue;
    std::string_view rdn = subject.substr(start, i - start);
    while (!rdn.empty() && rdn.front() == ' ') rdn.remove_prefix(1);
    if (rdn.size() > 4 && (rdn[0] == 'U' || rdn[0] == 'u') && (rdn[1] == 'I' || rdn[1] == 'i') &&
        (rdn[2] == 'D' || rdn[2] == 'd') && rdn[3] == '=') {
      std::string value;
      for (std::size_t k = 4; k < rdn.size(); ++k) {
        if (rdn[k] == '\\' && k + 1 < rdn.size()) ++k;
        value.push_back(rdn[k]);
      }
      return value;
    }
    start = i + 1;
  }
  return {};
}

}  // namespace docaxis::amqp
