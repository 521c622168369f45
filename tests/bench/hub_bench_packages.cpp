#include "hub_bench_packages.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "dsig/signer.hpp"
#include "dsig/x509_util.hpp"

namespace docaxis::bench {
namespace {

constexpr const char* kDocIdOpen = "<edXML:DocumentId>";
constexpr const char* kDocIdClose = "</edXML:DocumentId>";

// Replaces the text of the first <edXML:OrganId> after `parent` (e.g. "<edXML:From>").
Status set_organ(std::string& doc, const std::string& parent, const std::string& organ) {
  const std::string open = "<edXML:OrganId>", close = "</edXML:OrganId>";
  const auto p = doc.find(parent);
  const auto a = p == std::string::npos ? p : doc.find(open, p);
  const auto b = a == std::string::npos ? a : doc.find(close, a);
  if (b == std::string::npos)
    return {"invalid-argument", "the sample has no " + parent + " OrganId"};
  doc.replace(a + open.size(), b - a - open.size(), organ);
  return {};
}

std::string document_id(const std::string& sender, std::size_t j) {
  char n[24];
  std::snprintf(n, sizeof n, "%07zu", j);
  return sender + ",2026/01/01," + n + "/BENCH";
}

// The sample's first DocumentId is MessageHeader's (the later one is in TraceHeaderList).
std::string with_document_id(const std::string& doc, const std::string& id) {
  const auto a = doc.find(kDocIdOpen) + std::string(kDocIdOpen).size();
  const auto b = doc.find(kDocIdClose, a);
  std::string out = doc;
  out.replace(a, b - a, id);
  return out;
}

// The sample addressed from `sender` to `recipient`, without the SDK's own (non XML-DSig)
// signature and with a 4-character attachment payload, ready for padding (not empty: the
// signer would then write the element self-closed, and the probe below would be 30 bytes off).
Result<std::string> base_document(const std::string& sample, const std::string& sender,
                                  const std::string& recipient) {
  std::string doc = sample;
  if (Status s = set_organ(doc, "<edXML:From>", sender); !s.ok()) return s;
  if (Status s = set_organ(doc, "<edXML:To>", recipient); !s.ok()) return s;
  if (doc.find(kDocIdOpen) == std::string::npos)
    return Status("invalid-argument", "the sample has no DocumentId");
  // The SDK sample carries its own legacy signature (an edXML-namespace <Signature>, written
  // with or without the prefix); the hub refuses a second Signature in the header
  // (duplicate-element), so it goes.
  for (const std::string tag : {"edXML:Signature", "Signature"}) {
    const auto a = doc.find("<" + tag + ">");
    const auto b = a == std::string::npos ? a : doc.find("</" + tag + ">", a);
    if (b != std::string::npos) doc.erase(a, b + tag.size() + 3 - a);
  }
  const auto c = doc.find("<edXML:ContentTransferEncoded");
  const auto open_end = c == std::string::npos ? c : doc.find('>', c);
  if (open_end == std::string::npos)
    return Status("invalid-argument", "the sample has no ContentTransferEncoded attachment");
  doc.replace(open_end + 1, doc.find('<', open_end) - open_end - 1, "AAAA");
  return doc;
}

// Pads the attachment with base64 'A's so that the signed package is `bytes` (the
// signature's size does not depend on the content). Signs one probe to learn the overhead.
Result<std::string> padded_template(const dsig::Signer& signer, std::string doc,
                                    const std::string& sender, std::size_t bytes) {
  auto probe = signer.sign(with_document_id(doc, document_id(sender, 0)));
  if (!probe) return probe.status();
  if (probe->size() < bytes) {
    const auto at = doc.find('>', doc.find("<edXML:ContentTransferEncoded")) + 1;
    doc.insert(at, std::string((bytes - probe->size()) / 4 * 4, 'A'));
  }
  return doc;
}

}  // namespace

Result<Pool> make_pool(const PoolSpec& spec) {
  auto sample = dsig::read_file(spec.sample);
  if (!sample) return sample.status();
  const std::string organs = spec.pki + "/organs/";
  std::vector<std::unique_ptr<dsig::Signer>> signers;
  std::vector<std::vector<std::string>> templates;  // [sender][recipient]
  for (const auto& s : spec.senders) {
    auto signer = dsig::Signer::load(organs + s + ".key", organs + s + ".crt",
                                     {spec.pki + "/intermediates.pem"});
    if (!signer) return signer.status();
    templates.emplace_back();
    for (const auto& r : spec.recipients) {
      auto base = base_document(*sample, s, r);
      if (!base) return base.status();
      auto t = padded_template(**signer, std::move(base).value(), s, spec.package_bytes);
      if (!t) return t.status();
      templates.back().push_back(std::move(t).value());
    }
    signers.push_back(std::move(signer).value());
  }

  Pool pool;
  pool.per_sender = spec.per_sender;
  pool.by_sender.assign(spec.senders.size(), std::vector<Package>(spec.per_sender));
  const std::size_t total = spec.senders.size() * spec.per_sender;
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  Status failure;
  const auto t0 = std::chrono::steady_clock::now();
  auto work = [&] {
    for (std::size_t i = next++; i < total; i = next++) {
      const std::size_t s = i / spec.per_sender, j = i % spec.per_sender;
      Package& p = pool.by_sender[s][j];
      p.recipient = static_cast<uint32_t>((s + j) % spec.recipients.size());
      p.document_id = document_id(spec.senders[s], j);
      auto signed_doc =
          signers[s]->sign(with_document_id(templates[s][p.recipient], p.document_id));
      if (!signed_doc) {
        std::lock_guard lock(mu);
        failure = signed_doc.status();
        next = total;
        return;
      }
      p.bytes = std::move(signed_doc).value();
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::max(1u, spec.threads); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (!failure.ok()) return failure;
  pool.sign_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  pool.min_bytes = SIZE_MAX;
  for (const auto& packages : pool.by_sender) {
    for (const auto& p : packages) {
      pool.min_bytes = std::min(pool.min_bytes, p.bytes.size());
      pool.max_bytes = std::max(pool.max_bytes, p.bytes.size());
    }
  }
  return pool;
}

}  // namespace docaxis::bench
