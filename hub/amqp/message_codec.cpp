#include "amqp/message_codec.hpp"

#include <proton/codec.h>
#include <proton/error.h>
#include <proton/message.h>

#include <cstdint>
#include <cstring>
#include <memory>

#include "model/trail.hpp"
#include "model/wire.hpp"

namespace docaxis::amqp {
namespace {

struct DataFree {
  void operator()(pn_data_t* d) const { pn_data_free(d); }
};
struct MessageFree {
  void operator()(pn_message_t* m) const { pn_message_free(m); }
};

constexpr std::uint64_t kHeader = 0x70, kDeliveryAnnotations = 0x71,
                        kMessageAnnotations = 0x72, kProperties = 0x73,
                        kApplicationProperties = 0x74, kData = 0x75, kSequence = 0x76,
                        kValue = 0x77, kFooter = 0x78;
constexpr int kMaxSections = 16;

Status bad(std::string what) { return {"bad-message", std::move(what)}; }

std::string type_name(pn_type_t t) { return pn_type_name(t); }

std::string hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), digits[v & 0xf]);
    v >>= 4;
  } while (v != 0);
  return "0x" + out;
}

std::string str(pn_bytes_t b) { return std::string(b.start, b.size); }

bool is_simple(pn_type_t t) {
  return t != PN_MAP && t != PN_LIST && t != PN_ARRAY && t != PN_DESCRIBED && t != PN_INVALID;
}

// Application properties: a map of string keys to simple values; `hops` a UTF-8 string.
Status read_application_properties(pn_data_t* d, DecodedMessage& out) {
  if (pn_data_type(d) != PN_MAP) {
    return bad("application-properties must be a map, not " + type_name(pn_data_type(d)));
  }
  pn_data_enter(d);
  while (pn_data_next(d)) {
    const pn_type_t kt = pn_data_type(d);
    if (kt != PN_STRING) {
      return bad("an application property key is of type " + type_name(kt) +
                 "; keys must be strings");
    }
    const std::string key = str(pn_data_get_string(d));
    if (!pn_data_next(d)) return bad("application property " + key + " has no value");
    const pn_type_t vt = pn_data_type(d);
    if (key == model::wire::kPropHops) {
      if (out.hops) return {"bad-hops", "the hops property is given twice"};
      if (vt != PN_STRING) {
        return {"bad-hops", "the hops property must be a string, not " + type_name(vt)};
      }
      std::string hops = str(pn_data_get_string(d));
      if (hops.size() > kMaxHopsBytes) {
        return {"bad-hops", "the hops property has " + std::to_string(hops.size()) +
                                " bytes; at most " + std::to_string(kMaxHopsBytes)};
      }
      if (!is_utf8(hops)) return {"bad-hops", "the hops property is not valid UTF-8"};
      out.hops = std::move(hops);
    } else if (!is_simple(vt)) {
      return bad("application property " + (is_utf8(key) ? key : std::string("(not UTF-8)")) +
                 " is of type " + type_name(vt) + "; values must be simple types");
    }
  }
  pn_data_exit(d);
  return {};
}

// The properties section: only content-type (the 7th field) matters here.
Status read_properties(pn_data_t* d, DecodedMessage& out) {
  if (pn_data_type(d) != PN_LIST) return bad("the properties section must be a list");
  pn_data_enter(d);
  for (int field = 0; pn_data_next(d); ++field) {
    if (field != 6) continue;
    const pn_type_t t = pn_data_type(d);
    if (t == PN_SYMBOL) {
      out.content_type = str(pn_data_get_symbol(d));
    } else if (t != PN_NULL) {
      return bad("content-type must be a symbol, not " + type_name(t));
    }
  }
  pn_data_exit(d);
  return {};
}

std::uint64_t descriptor_code(pn_data_t* d) {
  const pn_type_t t = pn_data_type(d);
  if (t == PN_ULONG) return pn_data_get_ulong(d);
  if (t == PN_SYMBOL) {
    const std::string name = str(pn_data_get_symbol(d));
    if (name == "amqp:header:list") return kHeader;
    if (name == "amqp:delivery-annotations:map") return kDeliveryAnnotations;
    if (name == "amqp:message-annotations:map") return kMessageAnnotations;
    if (name == "amqp:properties:list") return kProperties;
    if (name == "amqp:application-properties:map") return kApplicationProperties;
    if (name == "amqp:data:binary") return kData;
    if (name == "amqp:amqp-sequence:list") return kSequence;
    if (name == "amqp:amqp-value:*") return kValue;
    if (name == "amqp:footer:map") return kFooter;
  }
  return UINT64_MAX;
}

}  // namespace

bool is_utf8(const std::string& s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += len;
  }
  return true;
}

Result<DecodedMessage> decode_incoming(const char* bytes, std::size_t size) {
  DecodedMessage out;
  bool have_body = false;
  std::unique_ptr<pn_data_t, DataFree> d(pn_data(16));
  std::size_t offset = 0;
  for (int sections = 0; offset < size; ++sections) {
    if (sections == kMaxSections) return bad("more than 16 message sections");
    pn_data_clear(d.get());
    const ssize_t n = pn_data_decode(d.get(), bytes + offset, size - offset);
    if (n <= 0) {
      return bad("the transfer is not an AMQP message (undecodable at byte " +
                 std::to_string(offset) + ")");
    }
    offset += static_cast<std::size_t>(n);
    pn_data_rewind(d.get());
    if (!pn_data_next(d.get()) || pn_data_type(d.get()) != PN_DESCRIBED) {
      return bad("message section " + std::to_string(sections + 1) + " is not a described type");
    }
    pn_data_enter(d.get());
    if (!pn_data_next(d.get())) return bad("a message section has no descriptor");
    const std::uint64_t code = descriptor_code(d.get());
    if (!pn_data_next(d.get())) return bad("a message section has no value");
    switch (code) {
      case kHeader:
      case kDeliveryAnnotations:
      case kMessageAnnotations:
      case kFooter:
        break;
      case kProperties:
        if (Status s = read_properties(d.get(), out); !s.ok()) return s;
        break;
      case kApplicationProperties:
        if (Status s = read_application_properties(d.get(), out); !s.ok()) return s;
        break;
      case kData: {
        if (have_body) return bad("the body must be one data section, not several");
        if (pn_data_type(d.get()) != PN_BINARY) return bad("a data section must hold binary");
        const pn_bytes_t b = pn_data_get_binary(d.get());
        out.body.assign(b.start, b.size);
        have_body = true;
        break;
      }
      case kSequence:
        return bad("the body must be one data section with the package bytes, not amqp-sequence");
      case kValue:
        return bad("the body must be one data section with the package bytes, not amqp-value");
      default:
        return bad("unknown message section " +
                   (code == UINT64_MAX ? std::string("descriptor") : hex(code)));
    }
  }
  if (!have_body) return bad("the message has no data section (the package bytes)");
  const std::string& ct = out.content_type;
  if (!ct.empty() && ct != "application/xml" && ct != "text/xml") {
    return bad("content-type \"" + (is_utf8(ct) ? ct : std::string("(not UTF-8)")) +
               "\" is not application/xml");
  }
  return out;
}

std::vector<std::pair<const char*, std::string>> outgoing_properties(
    const delivery::OutgoingMessage& m) {
  return {{model::wire::kPropMessageType, m.message_type},
          {model::wire::kPropDocumentId, m.document_id},
          {model::wire::kPropFrom, m.from},
          {model::wire::kPropHops, model::encode_trail(m.hops)}};
}

std::string encode_outgoing(const delivery::OutgoingMessage& m) {
  std::unique_ptr<pn_message_t, MessageFree> msg(pn_message());
  pn_message_set_durable(msg.get(), true);
  pn_message_set_content_type(msg.get(), "application/xml");
  pn_message_set_inferred(msg.get(), true);  // a binary body is one data section
  pn_data_put_binary(pn_message_body(msg.get()), pn_bytes(m.bytes.size(), m.bytes.data()));
  pn_data_t* props = pn_message_properties(msg.get());
  pn_data_put_map(props);
  pn_data_enter(props);
  for (const auto& [key, value] : outgoing_properties(m)) {
    pn_data_put_string(props, pn_bytes(std::strlen(key), key));
    pn_data_put_string(props, pn_bytes(value.size(), value.data()));
  }
  pn_data_exit(props);
  std::string out(m.bytes.size() + 1024, '\0');
  for (;;) {
    std::size_t n = out.size();
    const int rc = pn_message_encode(msg.get(), out.data(), &n);
    if (rc == 0) {
      out.resize(n);
      return out;
    }
    if (rc != PN_OVERFLOW) return {};
    out.resize(out.size() * 2);
  }
}

}  // namespace docaxis::amqp
