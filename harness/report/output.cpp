#include "harness/report/output.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include "harness/base/errors.hpp"
#include "harness/base/text.hpp"
#include "harness/report/catch_up_tax.hpp"
#include "harness/report/ranking.hpp"
#include "harness/report/roles.hpp"

namespace zc {
namespace fs = std::filesystem;

namespace {
constexpr std::pair<const char*, Format> kFormats[] = {
    {"json", Format::json},
    {"gbench", Format::gbench},
    {"csv", Format::csv},
    {"github-benchmark", Format::github_benchmark}};
}  // namespace

Format parse_format(const std::string& text) {
  for (const auto& [name, f] : kFormats)
    if (text == name) return f;
  std::string allowed;
  for (const auto& name : format_names()) allowed += (allowed.empty() ? "" : ", ") + name;
  throw UsageError("--format: '" + text + "' is not a format (allowed: " + allowed + ")");
}

std::vector<std::string> format_names() {
  std::vector<std::string> out;
  for (const auto& [name, f] : kFormats) out.emplace_back(name);
  return out;
}

fs::path default_output_path(const fs::path& dir, Format f) {
  std::time_t t = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
  return dir / (std::string(stamp) + (f == Format::csv ? ".csv" : ".json"));
}

void check_writable(const fs::path& path) {
  if (path == "-") return;
  auto dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  // Only looks: a missing folder is made when the results are written, so
  // a command line refused later leaves nothing behind. The nearest folder
  // that exists must let it be made.
  auto existing = dir;
  while (!fs::exists(existing, ec) && existing.has_parent_path() &&
         existing.parent_path() != existing)
    existing = existing.parent_path();
  if (!fs::exists(existing, ec)) existing = ".";
  if (!fs::is_directory(existing, ec) ||
      (existing != dir && ::access(existing.c_str(), W_OK | X_OK) != 0))
    throw UsageError("-o: folder '" + dir.string() + "' does not exist and cannot be created");
  if (fs::is_directory(path, ec)) throw UsageError("-o: '" + path.string() + "' is a folder");
  if ((existing == dir && ::access(dir.c_str(), W_OK) != 0) ||
      (fs::exists(path, ec) && ::access(path.c_str(), W_OK) != 0))
    throw UsageError("-o: '" + path.string() + "' is not writable");
}

namespace {

// RFC 4180: a field with a comma, quote or line break is quoted.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string csv_value(const nlohmann::json& v) {
  // NaN statistics (the cv of a zero mean) and absent fields: an empty cell.
  if (v.is_null() || (v.is_number_float() && !std::isfinite(v.get<double>()))) return "";
  return csv_field(v.is_string() ? v.get<std::string>() : v.dump());
}

// The verdict (ranking.hpp) is derived from the runs alone, so the writer
// adds it: the runner's document stays the measurements.
nlohmann::json with_comparisons(const nlohmann::json& results) {
  auto rankings = rank_results(results);
  auto taxes = catch_up_taxes(results);
  if (rankings.empty() && taxes.empty()) return results;
  auto doc = results;
  if (!rankings.empty()) doc["comparisons"] = rankings_json(rankings);
  if (!taxes.empty()) doc["catch_up_tax"] = taxes_json(taxes);
  return doc;
}

}  // namespace

constexpr const char* kRoleColumns[] = {"throughput", "cpu"};

std::string to_csv(const nlohmann::json& results) {
  static const char* metrics[] = {"throughput_bytes_per_s",
                                  "wall_s",
                                  "sender_cpu_ns_per_byte",
                                  "receiver_cpu_ns_per_byte",
                                  "total_cpu_ns_per_byte",
                                  "syscalls",
                                  "bytes_copied_to_user",
                                  "bytes_copied_from_user",
                                  "sender_voluntary_switches",
                                  "sender_involuntary_switches",
                                  "sender_minor_faults",
                                  "storage_read_bytes",
                                  "latency_p99_ns"};
  std::ostringstream out;
  out << "name,strategy,sink,size,chunk,cache,status,verified,cpu_copies,dma_copies";
  for (auto m : metrics)
    out << "," << m << "_median," << m << "_cv," << m << "_ci95_low," << m << "_ci95_high";
  // The run's own throughput and cpu figures, whatever its workload names
  // them (cpu: the measured side's whole process).
  for (auto role : kRoleColumns)
    out << "," << role << "_metric," << role << "_median," << role << "_cv," << role << "_ci95_low,"
        << role << "_ci95_high";
  out << ",reason\n";
  const nlohmann::json none;
  for (const auto& run : results["runs"]) {
    const auto& p = run["parameters"];
    auto field = [&](const nlohmann::json& obj, const char* key) {
      return obj.contains(key) ? csv_value(obj[key]) : std::string();
    };
    out << field(run, "name") << "," << field(run, "strategy") << "," << field(run, "sink") << ","
        << field(p, "size") << "," << field(p, "chunk") << "," << field(p, "cache") << ","
        << field(run, "status") << "," << (run.value("verified", false) ? "true" : "false") << ","
        << field(run["ledger"], "cpu_copies") << "," << field(run["ledger"], "dma_copies");
    for (auto m : metrics) {
      auto it = run["metrics"].find(m);
      bool ok = it != run["metrics"].end() && it->value("available", false);
      for (const char* stat : {"median", "cv", "ci95_low", "ci95_high"})
        out << "," << (ok ? field(*it, stat) : "");
    }
    for (auto role : kRoleColumns) {
      auto m = metric_of_role(run, role);
      bool ok = m && m->metric->value("available", false);
      out << "," << (m ? csv_value(m->key) : "");
      for (const char* stat : {"median", "cv", "ci95_low", "ci95_high"})
        out << "," << (ok ? field(*m->metric, stat) : "");
    }
    out << "," << field(run, "reason") << "\n";
  }
  return out.str();
}

void make_utf8_safe(nlohmann::json& doc) {
  if (doc.is_string()) {
    auto& s = doc.get_ref<std::string&>();
    if (auto safe = utf8_safe(s); safe != s) s = std::move(safe);
  } else if (doc.is_array()) {
    for (auto& v : doc) make_utf8_safe(v);
  } else if (doc.is_object()) {
    bool keys_ok = true;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
      keys_ok &= utf8_safe(it.key()) == it.key();
      make_utf8_safe(it.value());
    }
    if (!keys_ok) {
      nlohmann::json fixed = nlohmann::json::object();
      for (auto it = doc.begin(); it != doc.end(); ++it) fixed[utf8_safe(it.key())] = it.value();
      doc = std::move(fixed);
    }
  }
}

void write_output(const nlohmann::json& results, Format f, const fs::path& path,
                  const GbenchOptions& gbench) {
  nlohmann::json safe = results;
  make_utf8_safe(safe);
  std::string text = f == Format::json     ? with_comparisons(safe).dump(2) + "\n"
                     : f == Format::gbench ? to_gbench(safe, gbench).dump(2) + "\n"
                     : f == Format::github_benchmark
                         ? to_github_benchmark(safe, gbench.github_metric).dump(2) + "\n"
                         : to_csv(safe);
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  // Only a regular file is replaced atomically (write beside, rename over).
  // Anything else is written in place: renaming over `-o /dev/null` as root
  // would turn the machine's /dev/null into a regular file (it happened).
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (!ec && fs::exists(st) && !fs::is_regular_file(st)) {
    std::ofstream file(path, std::ios::binary);
    file << text;
    file.flush();
    if (!file)
      throw std::runtime_error("writing " + path.string() + " failed: " + errno_text(errno));
    return;
  }
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += ".partial";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    file << text;
    file.flush();
    if (!file) {
      int err = errno;
      fs::remove(tmp, ec);  // no empty .partial left behind
      throw std::runtime_error("writing " + tmp.string() + " failed: " + errno_text(err));
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("renaming the results to " + path.string() + " failed");
  }
}

}  // namespace zc
