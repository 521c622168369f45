#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "dsig/dsig_init.hpp"
#include "dsig/package_verifier.hpp"
#include "dsig/signer.hpp"
#include "dsig/trust_store.hpp"
#include "dsig/verifier.hpp"
#include "dsig/x509_util.hpp"

namespace docaxis::cli {
namespace {

struct SignArgs {
  std::string key, cert, out, file;
  std::vector<std::string> chain;
};

struct VerifyArgs {
  std::vector<std::string> trust, intermediates, crls, files;
  bool allow_sha1 = false, allow_unsigned = false, no_sender_binding = false, json = false;
};

int run_sign(const SignArgs& a) {
  auto signer = dsig::Signer::load(a.key, a.cert, a.chain);
  if (!signer) {
    std::cerr << "docaxis sign: " << signer.status().to_string() << "\n";
    return 2;
  }
  auto input = dsig::read_file(a.file);
  if (!input) {
    std::cerr << "docaxis sign: " << input.status().to_string() << "\n";
    return 2;
  }
  auto signed_doc = (*signer)->sign(*input);
  if (!signed_doc) {
    std::cerr << "docaxis sign: " << a.file << ": " << signed_doc.status().to_string() << "\n";
    return 1;
  }
  if (a.out.empty() || a.out == "-") {
    std::cout << *signed_doc;
    return 0;
  }
  // Write beside the target then rename, so a reader never sees half a document.
  const std::string tmp = a.out + ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << *signed_doc;
    o.flush();
    if (!o) {
      std::cerr << "docaxis sign: cannot write " << tmp << "\n";
      return 1;
    }
  }
  if (std::rename(tmp.c_str(), a.out.c_str()) != 0) {
    std::cerr << "docaxis sign: cannot rename " << tmp << " to " << a.out << "\n";
    return 1;
  }
  return 0;
}

int run_verify(const VerifyArgs& a) {
  dsig::TrustConfig tc{a.trust, a.intermediates, a.crls};
  auto trust = dsig::TrustStore::load(tc);
  if (!trust) {
    std::cerr << "docaxis verify: " << trust.status().to_string() << "\n";
    return 2;
  }
  dsig::Verifier verifier(*trust);
  dsig::VerifyPolicy policy{a.allow_sha1, a.allow_unsigned, !a.no_sender_binding};
  nlohmann::json results = nlohmann::json::array();
  bool all_ok = true;
  for (const auto& file : a.files) {
    nlohmann::json r{{"file", file}};
    auto bytes = dsig::read_file(file);
    Result<dsig::VerifiedPackage> v = bytes ? dsig::verify_package(verifier, *bytes, policy)
                                            : Result<dsig::VerifiedPackage>(bytes.status());
    // The hub refuses a package whose edXML has an error finding even when its signature is
    // good; so does verify, with the same code, so that OK here means the hub would accept it.
    if (v && v->package.has_errors()) v = v->package.first_error();
    if (!v) {
      all_ok = false;
      r["ok"] = false;
      r["code"] = v.status().code();
      r["reason"] = v.status().message();
      if (!a.json) {
        std::cout << "FAIL " << file << " " << v.status().code() << ": " << v.status().message()
                  << "\n";
      }
    } else {
      const dsig::Verdict& d = v->verdict;
      const std::string organ = d.is_signed ? d.signer_organ : v->package.header.from.organ_id;
      std::string relaxed;
      for (const auto& x : d.relaxations) relaxed += (relaxed.empty() ? "" : ",") + x;
      r["ok"] = true;
      r["organ"] = organ;
      r["signed"] = d.is_signed;
      r["signer"] = d.signer_subject;
      r["alg"] = d.is_signed ? d.signature_method : "none";
      r["digest"] = d.digest_method;
      r["relaxations"] = d.relaxations;
      if (!d.note.empty()) r["note"] = d.note;
      if (!a.json) {
        std::cout << "OK " << file << " organ=" << organ << " signer=\"" << d.signer_subject
                  << "\" alg=" << (d.is_signed ? d.signature_method : "none");
        if (!relaxed.empty()) std::cout << " relaxed=" << relaxed;
        std::cout << "\n";
      }
    }
    results.push_back(std::move(r));
  }
  if (a.json) std::cout << results.dump(2) << "\n";
  return all_ok ? 0 : 1;
}

}  // namespace

Runner add_sign_command(CLI::App& app) {
  auto args = std::make_shared<SignArgs>();
  auto* cmd = app.add_subcommand("sign",
                                 "Sign an edXML package (enveloped XML-DSig, exc-C14N, "
                                 "RSA-SHA256 or ECDSA-SHA256 by key type)");
  cmd->add_option("--key", args->key, "PEM private key")
      ->required()
      ->expected(1)
      ->check(CLI::ExistingFile);
  cmd->add_option("--cert", args->cert, "PEM signer certificate")
      ->required()
      ->expected(1)
      ->check(CLI::ExistingFile);
  cmd->add_option("--chain", args->chain, "PEM issuing certificates to include (repeatable)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", args->out, "output file (default: standard output)");
  cmd->add_option("FILE", args->file, "package to sign")
      ->required()
      ->expected(1)
      ->check(CLI::ExistingFile);
  return [args] { return run_sign(*args); };
}

Runner add_verify_command(CLI::App& app) {
  auto args = std::make_shared<VerifyArgs>();
  auto* cmd = app.add_subcommand("verify", "Verify signed edXML packages with the hub's policy");
  cmd->add_option("--trust", args->trust, "PEM trust anchors (repeatable, at least one)")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  cmd->add_option("--intermediate", args->intermediates, "PEM intermediate CAs (repeatable)")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  cmd->add_option("--crl", args->crls, "PEM CRLs (repeatable); when given, revocation is checked")
      ->allow_extra_args(false)
      ->check(CLI::ExistingFile);
  cmd->add_flag("--allow-sha1", args->allow_sha1, "accept legacy SHA-1 signatures (reported)");
  cmd->add_flag("--allow-unsigned", args->allow_unsigned, "accept unsigned packages (reported)");
  cmd->add_flag("--no-sender-binding", args->no_sender_binding,
                "do not require the signer's UID to equal From/OrganId (reported)");
  cmd->add_flag("--json", args->json, "print a JSON array of results");
  cmd->add_option("FILE", args->files, "packages to verify")->required();
  return [args] { return run_verify(*args); };
}

}  // namespace docaxis::cli
