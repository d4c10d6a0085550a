#include "harness/core/registry.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <tuple>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/core/external.hpp"

namespace zc {
namespace {

// Listing order: by workload, then the classic paths first, as the articles
// tell the story. A strategy or workload missing from these lists comes
// after the listed ones of its group, in id order.
constexpr std::string_view kWorkloadOrder[] = {"transfer", "append", "ingest"};
constexpr std::string_view kStrategyOrder[] = {
    "read-write",         "mmap-write",       "sendfile",         "splice",
    "msg-zerocopy",       "io-uring",         "io-uring-send-zc", "io-uring-splice",
    "copy-file-range",    "direct-io",        "tls-read-write",   "ktls-write",
    "ktls-sendfile",      "java-transfer-to", "java-mapped",      "java-heap-buffer",
    "java-direct-buffer", "append-write",     "append-mmap",      "append-direct"};

template <std::size_t N>
int rank_in(const std::string_view (&order)[N], std::string_view id) {
  for (std::size_t i = 0; i < N; ++i)
    if (id == order[i]) return int(i);
  return int(N);
}

bool is_kebab_case(std::string_view id) {
  if (id.empty() || id.front() == '-' || id.back() == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
}

}  // namespace

Registry& Registry::instance() {
  static Registry registry;
  static const bool reads = registry.reads_descriptions_ = true;
  (void)reads;
  return registry;
}

// Each `*.strategy` file of the search folders, in name order; the first
// of an id wins, and a file that cannot be used is a problem, not an abort:
// the compiled-in strategies still run. Each folder is listed and its
// files opened through one descriptor of the folder that was checked.
void Registry::load_external() const {
  std::call_once(loaded_, [this] {
    if (!reads_descriptions_) return;
    auto* self = const_cast<Registry*>(this);  // the strategies are set up once, here
    for (const auto& dir : external_strategy_dirs(problems_)) {
      UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir_fd) {
        problems_.push_back("folder " + dir.string() + " cannot be read: " + errno_text(errno));
        continue;
      }
      std::vector<std::string> names;
      if (DIR* d = ::fdopendir(::dup(dir_fd.get()))) {
        while (auto* e = ::readdir(d)) {
          std::string name = e->d_name;
          if (name.size() > 9 && name.compare(name.size() - 9, 9, ".strategy") == 0)
            names.push_back(name);
        }
        ::closedir(d);
      }
      std::sort(names.begin(), names.end());
      for (const auto& name : names) {
        const auto f = dir / name;
        try {
          auto program = parse_external_program(read_trusted_description(dir_fd.get(), name, f), f);
          if (const auto* s = find_loaded(program.id)) {
            problems_.push_back(
                f.string() + ": id '" + program.id + "' is taken by " +
                (dynamic_cast<const ExternalStrategy*>(s)
                     ? dynamic_cast<const ExternalStrategy*>(s)->program().file.string()
                     : std::string("a built-in strategy")));
            continue;
          }
          try {
            self->add(std::make_unique<ExternalStrategy>(std::move(program)));
          } catch (const std::exception& e) {
            problems_.push_back(f.string() + ": " + e.what());  // its ledger, its id
          }
        } catch (const std::exception& e) {
          problems_.push_back(e.what());
        }
      }
    }
  });
}

std::vector<std::string> Registry::problems() const {
  load_external();
  return problems_;
}

void Registry::add(std::unique_ptr<Strategy> s) {
  std::string id(s->id());
  if (!is_kebab_case(id)) throw std::invalid_argument("strategy id '" + id + "' is not kebab-case");
  if (find_loaded(id)) throw std::invalid_argument("strategy id '" + id + "' is registered twice");
  if (s->data_path().empty())
    throw std::invalid_argument("strategy '" + id + "' declares no data path");
  Conditions c;
  c.size = c.chunk = 1 << 20;
  if (!s->accepts_sink(c.sink)) c.sink = SinkKind::file;
  if (s->ledger(c).hops.empty())
    throw std::invalid_argument("strategy '" + id + "' declares an empty ledger");
  strategies_.push_back(std::move(s));
}

const Strategy* Registry::find(std::string_view id) const {
  load_external();
  return find_loaded(id);
}

const Strategy* Registry::find_loaded(std::string_view id) const {
  for (auto& s : strategies_)
    if (s->id() == id) return s.get();
  return nullptr;
}

std::vector<const Strategy*> Registry::all() const {
  load_external();
  std::vector<const Strategy*> out;
  for (auto& s : strategies_) out.push_back(s.get());
  auto key = [](const Strategy* s) {
    return std::tuple(rank_in(kWorkloadOrder, s->workload()), s->workload(),
                      rank_in(kStrategyOrder, s->id()), s->id());
  };
  std::sort(out.begin(), out.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  return out;
}

std::vector<const Strategy*> Registry::all(std::string_view workload) const {
  auto out = all();
  std::erase_if(out, [&](auto* s) { return s->workload() != workload; });
  return out;
}

namespace detail {
void register_or_die(std::unique_ptr<Strategy> s) {
  try {
    Registry::instance().add(std::move(s));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zc-bench: strategy registration refused: %s\n", e.what());
    std::abort();
  }
}
}  // namespace detail

}  // namespace zc
