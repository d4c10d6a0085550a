#include "harness/base/hash.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"

namespace zc {

std::uint64_t hash_file(const std::filesystem::path& path, std::uint64_t size) {
  constexpr std::size_t kBlock = 1 << 20;
  UniqueFd fd(check_unix(::open(path.c_str(), O_RDONLY | O_CLOEXEC), "open for hashing"));
  std::vector<char> buf(kBlock);
  StreamHash hash;
  for (std::uint64_t done = 0; done < size;) {
    auto n = check_unix(::read(fd.get(), buf.data(), std::min<std::uint64_t>(kBlock, size - done)),
                        "read for hashing");
    if (n == 0) break;
    hash.update(buf.data(), std::size_t(n));
    done += std::uint64_t(n);
  }
  return hash.digest();
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace zc
