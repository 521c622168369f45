// The status page's files, embedded in the binary at build time (embed_assets.cmake turns
// hub/ops/assets/* into a generated .cpp): no file is read at run time, so nothing outside
// the list can be served whatever path a client asks for.
#pragma once

#include <string_view>

namespace docaxis::ops {

struct Asset {
  std::string_view name;          // "status.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
};

// The asset with exactly this name; nullptr otherwise.
const Asset* find_asset(std::string_view name);

}  // namespace docaxis::ops
