#include "harness/core/external.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "harness/base/errors.hpp"
#include "harness/base/fd.hpp"
#include "harness/base/syscall_names.hpp"
#include "harness/base/text.hpp"

namespace zc {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kKeys =
    "id, data-path, command, requires-program, requires-file, hint, sinks, ledger, "
    "syscalls-per-chunk, data-syscalls, startup-timeout";

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string> words(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string replace_dir(std::string s, const fs::path& dir) {
  for (auto at = s.find("{dir}"); at != std::string::npos; at = s.find("{dir}", at))
    s.replace(at, 5, dir.string());
  return s;
}

// "page-cache" (or "page cache"): the names ledger_json prints.
Place parse_place(const std::string& text) {
  std::string t = text;
  std::replace(t.begin(), t.end(), '-', ' ');
  for (Place p : {Place::disk, Place::page_cache, Place::mapped_page_cache, Place::user_buffer,
                  Place::runtime_heap, Place::socket_buffer, Place::pipe_buffer,
                  Place::sink_page_cache, Place::nic, Place::receiver_buffer, Place::discarded})
    if (to_string(p) == t) return p;
  throw std::invalid_argument(
      "unknown place '" + text +
      "' (allowed: disk, page-cache, mapped-page-cache, user-buffer, runtime-heap, "
      "socket-buffer, pipe-buffer, sink-page-cache, nic, receiver-buffer, discarded)");
}

Mover parse_mover(const std::string& text) {
  for (Mover m : {Mover::dma, Mover::cpu, Mover::reference})
    if (to_string(m) == text) return m;
  throw std::invalid_argument("unknown mover '" + text + "' (allowed: cpu, dma, reference)");
}

// "source-into-page-cache" | "hop FROM -> TO by MOVER[: note]" |
// "sink-copy-from PLACE" | "sink-by-reference-from PLACE"
ExternalLedgerStep parse_step(const std::string& value) {
  ExternalLedgerStep step;
  std::string head = value, note;
  if (auto colon = value.find(':'); colon != std::string::npos) {
    head = value.substr(0, colon);
    note = utf8_safe(trim(value.substr(colon + 1)));
  }
  auto w = words(head);
  using K = ExternalLedgerStep::Kind;
  if (w.size() == 1 && w[0] == "source-into-page-cache") {
    step.kind = K::source_into_page_cache;
  } else if (w.size() == 6 && w[0] == "hop" && w[2] == "->" && w[4] == "by") {
    step.kind = K::hop;
    step.from = parse_place(w[1]);
    step.to = parse_place(w[3]);
    step.by = parse_mover(w[5]);
    step.note = note;
  } else if (w.size() == 2 && w[0] == "sink-copy-from") {
    step.kind = K::sink_copy_from;
    step.from = parse_place(w[1]);
  } else if (w.size() == 2 && w[0] == "sink-by-reference-from") {
    step.kind = K::sink_by_reference_from;
    step.from = parse_place(w[1]);
  } else {
    throw std::invalid_argument(
        "ledger step '" + value +
        "' is not one of: source-into-page-cache; hop FROM -> TO by cpu|dma|reference[: note]; "
        "sink-copy-from PLACE; sink-by-reference-from PLACE");
  }
  if (!note.empty() && step.kind != K::hop)
    throw std::invalid_argument("only a hop takes a note ('" + value + "')");
  return step;
}

double parse_number(const std::string& key, const std::string& value) {
  char* end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !(v >= 0))
    throw std::invalid_argument(key + " must be a number >= 0, not '" + value + "'");
  return v;
}

void apply(ExternalProgram& p, const std::string& key, const std::string& value,
           const fs::path& dir) {
  if (key == "id") {
    p.id = value;
  } else if (key == "data-path") {
    p.data_path = utf8_safe(value);
  } else if (key == "command") {
    p.command.clear();
    for (auto& w : words(value)) p.command.push_back(replace_dir(w, dir));
  } else if (key == "requires-program") {
    for (auto& w : words(value)) p.required_programs.push_back(w);
  } else if (key == "requires-file") {
    p.required_files.emplace_back(replace_dir(value, dir));
  } else if (key == "hint") {
    p.hint = utf8_safe(value);
  } else if (key == "sinks") {
    for (auto& w : words(value)) {
      auto s = parse_sink_kind(w);
      if (!s) throw std::invalid_argument("unknown sink '" + w + "'");
      p.sinks.push_back(*s);
    }
  } else if (key == "ledger") {
    p.ledger.push_back(parse_step(value));
  } else if (key == "syscalls-per-chunk") {
    p.syscalls_per_chunk = parse_number(key, value);
    // The model check counts the program's data syscalls per chunk: a
    // program that declares none could never be caught moving its bytes
    // otherwise than described.
    if (!(p.syscalls_per_chunk > 0))
      throw std::invalid_argument(
          "syscalls-per-chunk must be > 0: the chunks are moved by data syscalls (io_uring_enter "
          "for a ring), and the model check counts them");
  } else if (key == "data-syscalls") {
    if (words(value).empty())
      throw std::invalid_argument("data-syscalls names no syscall (the calls that move the bytes)");
    for (auto& w : words(value)) {
      if (!syscall_number(w))
        throw std::invalid_argument("unknown syscall '" + w + "' (zc-bench names it otherwise?)");
      p.data_syscalls.push_back(w);
    }
  } else if (key == "startup-timeout") {
    p.startup_timeout_s = parse_number(key, value);
    if (p.startup_timeout_s <= 0) throw std::invalid_argument("startup-timeout must be > 0");
  } else {
    throw std::invalid_argument("unknown key '" + key + "' (allowed: " + std::string(kKeys) + ")");
  }
}

}  // namespace

ExternalProgram parse_external_program(std::string_view text, const fs::path& file) {
  ExternalProgram p;
  p.file = file;
  const fs::path dir = file.parent_path();
  std::istringstream in{std::string(text)};
  int n = 0;
  bool saw_syscalls = false;
  for (std::string line; std::getline(in, line);) {
    ++n;
    auto t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto eq = t.find('=');
    try {
      if (eq == std::string::npos) throw std::invalid_argument("expected 'key = value'");
      auto key = trim(t.substr(0, eq));
      saw_syscalls |= key == "syscalls-per-chunk";
      apply(p, key, trim(t.substr(eq + 1)), dir);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(file.string() + ":" + std::to_string(n) + ": " + e.what());
    }
  }
  auto missing = [&](const char* what) {
    throw std::invalid_argument(file.string() + ": no " + what);
  };
  if (p.id.empty()) missing("id");
  if (p.data_path.empty()) missing("data-path");
  if (p.command.empty()) missing("command");
  if (p.ledger.empty()) missing("ledger");
  if (!saw_syscalls) missing("syscalls-per-chunk");
  if (p.data_syscalls.empty()) missing("data-syscalls (the calls that move the bytes)");
  if (file.stem() != p.id)
    throw std::invalid_argument(file.string() + ": id '" + p.id +
                                "' differs from the file's name (name it " + p.id + ".strategy)");
  return p;
}

namespace {

std::string who_owns(uid_t uid) { return "uid " + std::to_string(uid); }

// Why a file or folder with these attributes cannot be trusted, or empty.
std::string untrusted_owner_or_mode(const struct stat& st, bool sticky_ok) {
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return "is owned by " + who_owns(st.st_uid) + ", not by root or by you (" +
           who_owns(::geteuid()) + ")";
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
      !(sticky_ok && (st.st_mode & S_ISVTX) && st.st_uid == 0))
    return std::string("is writable by ") + ((st.st_mode & S_IWOTH) ? "others" : "its group") +
           " (mode " +
           [&] {
             char m[8];
             std::snprintf(m, sizeof m, "%04o", unsigned(st.st_mode & 07777));
             return std::string(m);
           }() +
           ")";
  return {};
}

std::string kind_of(mode_t mode) {
  return S_ISDIR(mode)    ? "a folder"
         : S_ISFIFO(mode) ? "a FIFO"
         : S_ISCHR(mode)  ? "a character device"
         : S_ISBLK(mode)  ? "a block device"
         : S_ISSOCK(mode) ? "a socket"
         : S_ISLNK(mode)  ? "a symbolic link"
                          : "not a regular file";
}

}  // namespace

std::string untrusted_folder(const fs::path& dir) {
  char* real = ::realpath(dir.c_str(), nullptr);
  if (!real) return "cannot be resolved: " + errno_text(errno);
  fs::path p(real);
  std::free(real);
  for (;;) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return "folder " + p.string() + ": " + errno_text(errno);
    if (!S_ISDIR(st.st_mode)) return p.string() + " is not a folder";
    if (auto why = untrusted_owner_or_mode(st, /*sticky_ok=*/true); !why.empty())
      return "folder " + p.string() + " " + why;
    if (p == p.root_path() || !p.has_parent_path() || p.parent_path() == p) return {};
    p = p.parent_path();
  }
}

std::string read_trusted_description(int dir_fd, const std::string& name, const fs::path& shown) {
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument(shown.string() + ": " + why);
  };
  int fd =
      ::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP)
      refuse("is a symbolic link (descriptions are read only from regular files)");
    refuse("cannot be opened: " + errno_text(errno));
  }
  UniqueFd guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) refuse("fstat: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) refuse("is " + kind_of(st.st_mode) + ", not a regular file");
  if (std::uint64_t(st.st_size) > kMaxDescriptionBytes)
    refuse("is " + std::to_string(st.st_size) + " bytes, more than a description may hold (" +
           std::to_string(kMaxDescriptionBytes / 1024) + " KiB)");
  if (auto why = untrusted_owner_or_mode(st, /*sticky_ok=*/false); !why.empty()) refuse(why);
  std::string text(kMaxDescriptionBytes + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    auto n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) refuse("cannot be read: " + errno_text(errno));
    if (n == 0) break;
    got += std::size_t(n);
  }
  if (got > kMaxDescriptionBytes)
    refuse("grew past " + std::to_string(kMaxDescriptionBytes / 1024) + " KiB while it was read");
  text.resize(got);
  return text;
}

ExternalProgram load_external_program(const fs::path& file) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (auto why = untrusted_folder(dir); !why.empty())
    throw std::invalid_argument(file.string() + ": refused: " + why);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd)
    throw std::invalid_argument(file.string() + ": cannot be read: " + errno_text(errno));
  return parse_external_program(
      read_trusted_description(dir_fd.get(), file.filename().string(), file), file);
}

Ledger ExternalStrategy::ledger(const Conditions& c) const {
  LedgerBuilder b(c);
  using K = ExternalLedgerStep::Kind;
  for (const auto& s : program_.ledger) {
    switch (s.kind) {
      case K::source_into_page_cache:
        b.source_into_page_cache();
        break;
      case K::hop:
        b.hop(s.from, s.to, s.by, s.note);
        break;
      case K::sink_copy_from:
        b.sink_copy_from(s.from);
        break;
      case K::sink_by_reference_from:
        b.sink_by_reference_from(s.from);
        break;
    }
  }
  return b.done(program_.syscalls_per_chunk);
}

bool ExternalStrategy::accepts_sink(SinkKind s) const {
  return program_.sinks.empty() ||
         std::find(program_.sinks.begin(), program_.sinks.end(), s) != program_.sinks.end();
}

fs::path find_on_path(std::string_view program) {
  if (program.find('/') != std::string_view::npos)
    return ::access(std::string(program).c_str(), X_OK) == 0 ? fs::path(program) : fs::path();
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string d; std::getline(dirs, d, ':');) {
    if (d.empty()) continue;
    fs::path p = fs::path(d) / program;
    std::error_code ec;
    if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return {};
}

Support ExternalStrategy::probe(const Conditions&) const {
  auto no = [&](std::string why) {
    return Support::no(program_.hint.empty() ? why : why + " (" + program_.hint + ")");
  };
  for (const auto& prog : program_.required_programs)
    if (find_on_path(prog).empty()) return no("no " + prog + " on PATH");
  // The command itself: a program that is missing or a folder fails at run
  // time with status 127 or 126; it is not "supported here".
  const auto& command = program_.command.front();
  if (command.find('/') == std::string::npos) {
    if (find_on_path(command).empty()) return no("command " + command + " is not on PATH");
  } else {
    struct stat st {};
    if (::stat(command.c_str(), &st) != 0)
      return no("command " + command + " is missing: " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) return no("command " + command + " is " + kind_of(st.st_mode));
    if (::access(command.c_str(), X_OK) != 0)
      return no("command " + command + " is not executable: " + errno_text(errno));
  }
  for (const auto& f : program_.required_files) {
    std::error_code ec;
    if (!fs::exists(f, ec)) return no("file missing: " + f.string());
  }
  return Support::yes();
}

std::unique_ptr<TransferSession> ExternalStrategy::prepare(const TransferContext& ctx) const {
  if (!ctx.external)
    throw std::logic_error("external strategy " + program_.id +
                           " prepared without a launcher (TransferContext::external)");
  return ctx.external->launch(program_, ctx);
}

std::vector<fs::path> external_strategy_dirs(std::vector<std::string>& problems) {
  std::vector<fs::path> dirs;
  // A folder is searched by its real path, once it is trusted.
  auto use = [&](const fs::path& dir, const std::string& from) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      problems.push_back(from + " " + dir.string() + ": " + errno_text(errno));
      return;
    }
    if (!S_ISDIR(st.st_mode)) {
      problems.push_back(from + " " + dir.string() + " is not a folder");
      return;
    }
    if (::access(dir.c_str(), R_OK | X_OK) != 0) {
      problems.push_back(from + " " + dir.string() + " cannot be read: " + errno_text(errno));
      return;
    }
    if (auto why = untrusted_folder(dir); !why.empty()) {
      problems.push_back(from + " " + dir.string() + " is not used: " + why);
      return;
    }
    std::error_code ec;
    auto real = fs::canonical(dir, ec);
    dirs.push_back(ec ? dir : real);
  };
  if (const char* env = std::getenv("ZC_STRATEGY_PATH"); env && *env) {
    std::istringstream in(env);
    for (std::string d; std::getline(in, d, ':');)
      if (!d.empty()) use(d, "ZC_STRATEGY_PATH entry");
  }
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  fs::path installed = exe.parent_path().parent_path() / "share" / "zc-bench" / "strategies";
  // The share folder beside the executable, if there is one, is the only
  // other place: one that is refused is not replaced by another.
  if (!ec && fs::is_directory(installed, ec)) {
    use(installed, "the share folder");
  } else {
#ifdef ZC_BUILD_STRATEGY_DIR
    // A binary that is not installed: the build tree's.
    if (fs::is_directory(ZC_BUILD_STRATEGY_DIR, ec))
      use(ZC_BUILD_STRATEGY_DIR, "the build tree's folder");
#endif
  }
  return dirs;
}

}  // namespace zc
