// docaxis-fixtures: writes the generated edXML packages (packages.hpp) to files, for the
// scripts that need them: tests/data/make-dsig-fixtures.sh, tests/fuzz/run-fuzz.sh,
// scripts/bench.sh and scripts/demo.sh. Test support only: never installed with the hub.
//
//   docaxis-fixtures set OUT_DIR
//       the standard set (edoc_new.edxml, ..., status_change-rejection_16.edxml), one file each
//   docaxis-fixtures document -o OUT --from ID[=NAME] --to ID[=NAME]... [--id ID]
//       [--number N] [--notation X] [--date yyyy/MM/dd] [--timestamp 'yyyy/MM/dd HH:mm:ss']
//       [--subject S] [--content S]
//   docaxis-fixtures status -o OUT --from ID[=NAME] --for-organ ID --for-doc ID
//       --for-code CODE --for-date yyyy/MM/dd --code NN [--description S] [--timestamp T]
//
// Output is unsigned (sign with `docaxis sign`), written then renamed. Exit codes: 0 written,
// 1 cannot write, 2 usage.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "edxml/writer.hpp"
#include "packages.hpp"

namespace {

using docaxis::fixtures::Party;

Party party(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos) return {text, ""};
  return {text.substr(0, eq), text.substr(eq + 1)};
}

bool write_file(const std::filesystem::path& path, const std::string& bytes) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << bytes;
    o.flush();
    if (!o) {
      std::cerr << "docaxis-fixtures: cannot write " << tmp << "\n";
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::cerr << "docaxis-fixtures: cannot rename " << tmp << ": " << ec.message() << "\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fx = docaxis::fixtures;
  CLI::App app{"Writes the generated edXML test packages (unsigned)"};
  app.require_subcommand(1);

  std::string set_dir;
  CLI::App* set = app.add_subcommand("set", "The standard set, one file per package");
  set->add_option("dir", set_dir, "output folder (created)")->required();

  fx::DocumentSpec doc;
  std::string out, from;
  std::vector<std::string> to;
  CLI::App* d = app.add_subcommand("document", "One document package");
  d->add_option("-o,--out", out)->required();
  d->add_option("--from", from, "ORGAN[=NAME]")->required();
  d->add_option("--to", to, "ORGAN[=NAME], repeatable")->required();
  d->add_option("--id", doc.document_id, "DocumentId (default: FROM,DATE,NUMBER/NOTATION)");
  d->add_option("--number", doc.code_number)->capture_default_str();
  d->add_option("--notation", doc.code_notation)->capture_default_str();
  d->add_option("--date", doc.date, "yyyy/MM/dd")->capture_default_str();
  d->add_option("--timestamp", doc.timestamp, "yyyy/MM/dd HH:mm:ss")->capture_default_str();
  d->add_option("--subject", doc.subject);
  d->add_option("--content", doc.content, "default: the subject");

  fx::StatusSpec st;
  CLI::App* s = app.add_subcommand("status", "One status package");
  s->add_option("-o,--out", out)->required();
  s->add_option("--from", from, "ORGAN[=NAME]")->required();
  s->add_option("--for-organ", st.for_organ)->required();
  s->add_option("--for-doc", st.for_document_id)->required();
  s->add_option("--for-code", st.for_code)->required();
  s->add_option("--for-date", st.for_date)->required();
  s->add_option("--code", st.code)->required();
  s->add_option("--description", st.description);
  s->add_option("--timestamp", st.timestamp)->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (set->parsed()) {
    std::error_code ec;
    std::filesystem::create_directories(set_dir, ec);
    if (ec) {
      std::cerr << "docaxis-fixtures: cannot create " << set_dir << ": " << ec.message() << "\n";
      return 1;
    }
    for (const fx::NamedPackage& p : fx::standard_set()) {
      if (!write_file(std::filesystem::path(set_dir) / p.name, p.bytes)) return 1;
    }
    return 0;
  }
  std::string bytes;
  if (d->parsed()) {
    doc.from = party(from);
    for (const std::string& t : to) doc.to.push_back(party(t));
    bytes = docaxis::edxml::write_package(fx::document(doc));
  } else {
    st.from = party(from);
    bytes = docaxis::edxml::write_package(fx::status(st));
  }
  return write_file(out, bytes) ? 0 : 1;
}
