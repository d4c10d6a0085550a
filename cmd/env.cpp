// `zc-bench env`: what this machine is and which measurements it allows.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "cmd/commands.hpp"
#include "harness/run/environment.hpp"

namespace zc::cmd {

namespace {
struct EnvArgs {
  bool json = false;
  std::string dir = "results";
};
}  // namespace

Runner setup_env(CLI::App& app) {
  auto args = std::make_shared<EnvArgs>();
  app.add_flag("--json", args->json, "print JSON");
  app.add_option("--dir", args->dir, "folder whose file system to probe (O_DIRECT)")
      ->capture_default_str();
  return [args] {
    namespace fs = std::filesystem;
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
    if (args->json) {
      std::printf("%s\n", env.dump(2).c_str());
      return 0;
    }
    for (auto& [key, value] : env.items()) {
      if (key == "capabilities" || key == "warnings") continue;
      std::printf("%-22s %s\n", key.c_str(),
                  value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
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
