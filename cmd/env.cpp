// `zc-bench env`: what this machine is and which measurements it allows.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cmd/commands.hpp"
#include "harness/base/errors.hpp"
#include "harness/base/units.hpp"
#include "harness/report/output.hpp"
#include "harness/run/environment.hpp"

namespace zc::cmd {

namespace {
struct EnvArgs {
  bool json = false;
  std::string dir = "results";
};

// One line for a person: {available, value} as the value or "unavailable:
// why", lists and objects as their items.
std::string describe(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("available")) {
    if (!v["available"].get<bool>()) return "unavailable: " + v.value("reason", std::string());
    return v.contains("value")
               ? describe(v["value"]) +
                     (v.contains("source") ? " (" + describe(v["source"]) + ")" : "")
               : "available";
  }
  if (v.is_array() || v.is_object()) {
    std::string out;
    for (auto& [key, item] : v.items())
      out += (out.empty()    ? ""
              : v.is_array() ? ", "
                             : "; ") +
             (v.is_object() ? key + " " : std::string()) + describe(item);
    return out;
  }
  return v.dump();
}
// "L1 Data 32K, ..., L3 Unified 32M (shared by 2 CPUs)".
std::string caches(const nlohmann::json& list) {
  std::string out;
  for (const auto& c : list) {
    int sharing = c.value("num_sharing", 1);
    out += (out.empty() ? "" : ", ") + fmt::format("L{} {} {}", c.value("level", 0),
                                                   c.value("type", std::string()),
                                                   format_size(c.value("size_bytes", 0ull)));
    if (sharing > 1) out += " (shared by " + plural(sharing, "CPU") + ")";
  }
  return out;
}
}  // namespace

Runner setup_env(CLI::App& app) {
  auto args = std::make_shared<EnvArgs>();
  app.add_flag("--json", args->json, "print JSON");
  auto* dir_option =
      app.add_option("--dir", args->dir, "folder whose file system to probe (O_DIRECT)")
          ->capture_default_str();
  return [args, dir_option] {
    namespace fs = std::filesystem;
    // A folder named on the command line must be there: probing the nearest
    // one above it instead (possibly `/`) would describe another file system.
    if (dir_option->count() > 0 && !fs::is_directory(args->dir))
      throw UsageError("--dir: no such folder: " + args->dir);
    // A report creates nothing: a folder not made yet is probed through the
    // nearest existing one above it (the file system it would land on).
    // error_code overloads throughout: a folder this user may not stat
    // falls back to the temp folder, it does not end the report.
    std::error_code ec;
    fs::path dir = fs::absolute(args->dir, ec);
    while (!fs::is_directory(dir, ec) && dir.has_relative_path()) dir = dir.parent_path();
    if (ec || ::access(dir.c_str(), W_OK) != 0) {
      dir = fs::temp_directory_path(ec);
      if (ec || !fs::is_directory(dir, ec)) dir = "/tmp";
    }
    auto env = describe_environment(dir, {});
    env.erase("command_line");
    env["capabilities"] = describe_capabilities(dir);
    make_utf8_safe(env);  // a TMPDIR's name is anyone's bytes
    if (args->json) {
      std::printf("%s\n", env.dump(2).c_str());
      return 0;
    }
    for (auto& [key, value] : env.items()) {
      if (key == "capabilities" || key == "warnings") continue;
      std::printf("%-22s %s\n", key.c_str(),
                  key == "cpu_caches" ? caches(value).c_str() : describe(value).c_str());
    }
    std::printf("\ncapabilities:\n");
    for (auto& [key, value] : env["capabilities"].items())
      std::printf("  %-46s %s\n", key.c_str(),
                  value["available"].get<bool>()
                      ? "available"
                      : ("unavailable: " + value["reason"].get<std::string>()).c_str());
    for (auto& w : env["warnings"]) std::printf("warning: %s\n", w.get<std::string>().c_str());
    return 0;
  };
}

}  // namespace zc::cmd
