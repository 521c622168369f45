#include "metrics/text.hpp"

#include <charconv>
#include <cmath>

namespace docaxis::metrics {
namespace {

bool name_char(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (colon && c == ':') return true;
  return !first && c >= '0' && c <= '9';
}

// The length of the valid UTF-8 sequence at s[i] (0: invalid; overlong forms, surrogates and
// code points past U+10FFFF count as invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

// Escapes for the text format; a byte that is not valid UTF-8 becomes U+FFFD (Prometheus
// refuses the whole scrape otherwise).
void escape_into(std::string& out, std::string_view s, bool quote) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    const char c = s[i++];
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

const char* type_name(TextWriter::Type t) {
  switch (t) {
    case TextWriter::Type::counter: return "counter";
    case TextWriter::Type::gauge: return "gauge";
    case TextWriter::Type::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

bool TextWriter::valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, true)) return false;
  }
  return true;
}

bool TextWriter::valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0, false)) return false;
  }
  return true;
}

std::string TextWriter::format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void TextWriter::family(std::string_view name, Type type, std::string_view help) {
  open_ = false;
  label_sets_.clear();
  const bool reserved_suffix =
      type == Type::histogram &&
      (name.ends_with("_bucket") || name.ends_with("_sum") || name.ends_with("_count"));
  if (!valid_metric_name(name) || families_.count(std::string(name)) != 0 ||
      (type == Type::counter && !name.ends_with("_total")) || reserved_suffix) {
    ++dropped_;
    return;
  }
  families_.insert(std::string(name));
  name_ = std::string(name);
  type_ = type;
  open_ = true;
  out_ += "# HELP ";
  out_ += name_;
  out_ += ' ';
  escape_into(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name_;
  out_ += ' ';
  out_ += type_name(type);
  out_ += '\n';
}

bool TextWriter::open_sample(const Labels& labels, std::string_view suffix, const Labels& extra,
                             std::string& line) {
  line = name_;
  line += suffix;
  if (labels.empty() && extra.empty()) return true;
  line += '{';
  bool first = true;
  std::set<std::string_view> seen;
  for (const Labels* set : {&labels, &extra}) {
    for (const auto& [k, v] : *set) {
      if (!valid_label_name(k) || !seen.insert(k).second) return false;
      if (!first) line += ',';
      first = false;
      line += k;
      line += "=\"";
      escape_into(line, v, true);
      line += '"';
    }
  }
  line += '}';
  return true;
}

void TextWriter::sample(const Labels& labels, double value) {
  std::string line;
  if (!open_ || type_ == Type::histogram || !open_sample(labels, "", {}, line) ||
      !label_sets_.insert(line).second) {
    ++dropped_;
    return;
  }
  out_ += line;
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void TextWriter::histogram(const Labels& labels, const HistogramSnapshot& h) {
  std::string key;
  for (const auto& [k, v] : labels) {
    if (k == "le") {
      ++dropped_;
      return;
    }
  }
  if (!open_ || type_ != Type::histogram || !open_sample(labels, "", {}, key) ||
      !label_sets_.insert(key).second || h.cumulative.size() != h.bounds.size() + 1) {
    ++dropped_;
    return;
  }
  std::string line;
  for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
    const std::string le = i < h.bounds.size() ? format_value(h.bounds[i]) : "+Inf";
    open_sample(labels, "_bucket", {{"le", le}}, line);
    out_ += line;
    out_ += ' ';
    out_ += format_value(static_cast<double>(h.cumulative[i]));
    out_ += '\n';
  }
  open_sample(labels, "_sum", {}, line);
  out_ += line + ' ' + format_value(h.sum) + '\n';
  open_sample(labels, "_count", {}, line);
  out_ += line + ' ' + format_value(static_cast<double>(h.count)) + '\n';
}

}  // namespace docaxis::metrics
