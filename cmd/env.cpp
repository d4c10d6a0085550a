// `zc-bench env`: what this machine is and which measurements it allows.
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
    std::filesystem::path dir = args->dir;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::is_directory(dir)) dir = std::filesystem::temp_directory_path();
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
