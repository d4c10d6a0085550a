#include "harness/base/temp_dir.hpp"

#include <cstdlib>

#include "harness/base/errors.hpp"

namespace zc {
namespace fs = std::filesystem;

TempDir::TempDir(const fs::path& parent) {
  std::string tmpl = (parent / "zc-bench.XXXXXX").string();
  if (!::mkdtemp(tmpl.data()))
    throw UsageError("cannot create a temporary folder in " + parent.string() + ": " +
                     errno_text(errno));
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace zc
