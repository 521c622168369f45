// The child walker and leaf helpers of reader_internal.hpp.
#include <memory>

#include "edxml/reader_internal.hpp"
#include "edxml/text.hpp"

namespace docaxis::edxml::detail {
namespace {

std::string element_path(const std::string& parent_path, std::string_view name, Occurs occurs,
                         std::size_t nth) {
  std::string path = parent_path + "/" + std::string(name);
  if (occurs == Occurs::many || nth > 1) path += "[" + std::to_string(nth) + "]";
  return path;
}

// Element names from the input go into messages: keep them short and printable.
std::string shown(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 64; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : s[i];
  }
  return s.size() > 64 ? out + "..." : out;
}

}  // namespace

std::vector<std::size_t> visit_children(ReadContext& ctx, xmlNodePtr parent,
                                        const std::string& parent_path,
                                        std::span<const ChildSpec> specs) {
  std::vector<std::size_t> counts(specs.size(), 0);
  std::size_t max_index = 0;
  std::string max_name;
  bool order_reported = false;
  for (xmlNodePtr child = parent->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    const std::string_view name = name_of(child);
    const std::string_view ns = ns_of(child);
    const bool edxml_ns = ns == kEdxmlNamespace;
    std::size_t index = specs.size();
    for (std::size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].name == name && (edxml_ns || ns.empty() || specs[i].any_namespace)) {
        index = i;
        break;
      }
    }
    if (index == specs.size()) {
      std::string where = ns.empty() ? "no namespace" : "namespace " + shown(ns);
      ctx.note("unknown-element", parent_path + "/" + shown(name), line_of(child),
               "unexpected element <" + shown(name) + "> (" + where + ") is ignored");
      continue;
    }
    const ChildSpec& spec = specs[index];
    const std::size_t nth = ++counts[index];
    const std::string path = element_path(parent_path, name, spec.occurs, nth);
    if (ns.empty() && !spec.any_namespace) {
      ctx.note("no-namespace", path, line_of(child),
               "<" + shown(name) + "> has no namespace; read as the edXML element");
    }
    if (spec.check_order) {
      if (index < max_index && !order_reported) {
        order_reported = true;
        ctx.note("element-order", path, line_of(child),
                 "<" + shown(name) + "> appears after <" + max_name +
                     ">; the canonical order puts it before");
      }
      if (index > max_index || max_name.empty()) {
        max_index = index;
        max_name = std::string(name);
      }
    }
    if (spec.occurs == Occurs::one && nth > 1) {
      ctx.error("duplicate-element", path, line_of(child),
                "<" + shown(name) + "> may appear once; this occurrence is ignored");
      continue;
    }
    if (spec.handle) spec.handle(child, path);
  }
  return counts;
}

std::string read_text(ReadContext& ctx, xmlNodePtr node, const std::string& path) {
  for (xmlNodePtr child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      ctx.note("unknown-element", path + "/" + shown(name_of(child)), line_of(child),
               "element <" + shown(name_of(child)) +
                   "> inside a text element; its text is "
                   "part of the value");
    }
  }
  return node_text(node);
}

std::string node_text(xmlNodePtr node) {
  const std::unique_ptr<xmlChar, XmlCharFree> content(xmlNodeGetContent(node));
  if (!content) return {};
  return std::string(text::trim(cstr(content.get())));
}

ChildSpec leaf(ReadContext& ctx, std::string_view name, std::string* out) {
  return {name, Occurs::one,
          [&ctx, out](xmlNodePtr n, const std::string& path) { *out = read_text(ctx, n, path); }};
}

ChildSpec limited_leaf(ReadContext& ctx, std::string_view name, std::string* out,
                       std::size_t max_chars) {
  return {name, Occurs::one, [&ctx, out, max_chars](xmlNodePtr n, const std::string& path) {
            *out = read_text(ctx, n, path);
            const std::size_t len = text::char_count(*out);
            if (len > max_chars) {
              ctx.error("invalid-value", path, line_of(n),
                        "is " + std::to_string(len) + " characters, the limit is " +
                            std::to_string(max_chars));
            }
          }};
}

ChildSpec date_leaf(ReadContext& ctx, std::string_view name, std::string* out, bool not_future) {
  return {name, Occurs::one, [&ctx, out, not_future](xmlNodePtr n, const std::string& path) {
            *out = read_text(ctx, n, path);
            if (out->empty()) return;
            const auto date = text::parse_date(*out);
            if (!date) {
              ctx.error("invalid-value", path, line_of(n),
                        "\"" + out->substr(0, 40) + "\" is not a date yyyy/MM/dd");
            } else if (not_future && ctx.options().today &&
                       std::chrono::sys_days(*date) > *ctx.options().today) {
              ctx.error("invalid-value", path, line_of(n), "date " + *out + " is in the future");
            }
          }};
}

ChildSpec timestamp_leaf(ReadContext& ctx, std::string_view name, std::string* out) {
  return {name, Occurs::one, [&ctx, out](xmlNodePtr n, const std::string& path) {
            *out = read_text(ctx, n, path);
            if (!out->empty() && !text::is_timestamp(*out)) {
              ctx.error("invalid-value", path, line_of(n),
                        "\"" + out->substr(0, 40) + "\" is not a timestamp yyyy/MM/dd HH:mm:ss");
            }
          }};
}

ChildSpec list_leaf(ReadContext& ctx, std::string_view name, std::vector<std::string>* out,
                    std::size_t max_chars) {
  return {name, Occurs::many, [&ctx, out, max_chars](xmlNodePtr n, const std::string& path) {
            out->push_back(read_text(ctx, n, path));
            const std::size_t len = text::char_count(out->back());
            if (max_chars > 0 && len > max_chars) {
              ctx.error("invalid-value", path, line_of(n),
                        "is " + std::to_string(len) + " characters, the limit is " +
                            std::to_string(max_chars));
            }
          }};
}

ChildSpec organ_id_leaf(ReadContext& ctx, std::string_view name, std::string* out,
                        std::optional<OrganId>* parsed, Finding::Severity severity) {
  return {name, Occurs::one, [&ctx, out, parsed, severity](xmlNodePtr n, const std::string& path) {
            *out = read_text(ctx, n, path);
            Result<OrganId> id = OrganId::parse(*out);
            if (id.ok()) {
              *parsed = std::move(id).value();
            } else {
              ctx.add(severity, "invalid-organ-id", path, line_of(n), id.status().message());
            }
          }};
}

ChildSpec unexpected(ReadContext& ctx, std::string_view name, std::string_view why) {
  ChildSpec spec{name, Occurs::many, [&ctx, why](xmlNodePtr n, const std::string& path) {
                   ctx.note(
                       "unexpected-element", path, line_of(n),
                       "<" + std::string(name_of(n)) + "> " + std::string(why) + "; it is ignored");
                 }};
  spec.check_order = false;
  return spec;
}

void require(ReadContext& ctx, std::size_t count, const std::string& parent_path, xmlNodePtr parent,
             std::string_view name, Finding::Severity severity) {
  if (count > 0) return;
  ctx.add(severity, "missing-element", parent_path + "/" + std::string(name), line_of(parent),
          "required element <" + std::string(name) + "> is missing");
}

void require_text(ReadContext& ctx, const std::string& value, const std::string& parent_path,
                  xmlNodePtr parent, std::string_view name, Finding::Severity severity) {
  if (!value.empty()) return;
  ctx.add(severity, "missing-element", parent_path + "/" + std::string(name), line_of(parent),
          "required element <" + std::string(name) + "> is missing or empty");
}

}  // namespace docaxis::edxml::detail
