// The strategy registry: created on first use, owns its strategies, refuses
// duplicate ids and empty ledgers.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/strategy.hpp"

namespace zc {

class Registry {
 public:
  // The process's registry: the strategies compiled in (registered from
  // static constructors) and, loaded on first lookup, the external
  // strategies' description files (core/external.hpp).
  static Registry& instance();

  // Throws std::invalid_argument when the id is taken, empty or not
  // kebab-case, or when the strategy declares an empty ledger or data path.
  void add(std::unique_ptr<Strategy> s);
  const Strategy* find(std::string_view id) const;
  // Sorted by workload, then in the order DESIGN.md lists them; strategies
  // not in that list last within their workload.
  std::vector<const Strategy*> all() const;
  std::vector<const Strategy*> all(std::string_view workload) const;
  // Description files that could not be loaded, one line each (file: why).
  std::vector<std::string> problems() const;

 private:
  void load_external() const;
  const Strategy* find_loaded(std::string_view id) const;
  std::vector<std::unique_ptr<Strategy>> strategies_;
  // Only the process's registry reads description files, once, after the
  // static constructors have registered the compiled-in strategies.
  bool reads_descriptions_ = false;
  mutable std::once_flag loaded_;
  mutable std::vector<std::string> problems_;
};

namespace detail {
void register_or_die(std::unique_ptr<Strategy> s);
}

template <typename T>
struct Registrar {
  Registrar() { detail::register_or_die(std::make_unique<T>()); }
};

}  // namespace zc

#define ZC_REGISTER_STRATEGY(Type) \
  static const ::zc::Registrar<Type> zc_registrar_##Type {}
