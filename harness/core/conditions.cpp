#include "harness/core/conditions.hpp"

namespace zc {

std::string_view to_string(SinkKind s) {
  switch (s) {
    case SinkKind::tcp:
      return "tcp";
    case SinkKind::unix_stream:
      return "unix";
    case SinkKind::pipe:
      return "pipe";
    case SinkKind::null:
      return "null";
    case SinkKind::file:
      return "file";
    case SinkKind::veth:
      return "veth";
    case SinkKind::remote:
      return "remote";
  }
  return "?";
}

std::string_view to_string(CacheState c) { return c == CacheState::hot ? "hot" : "cold"; }

std::string_view to_string(ReceiverMode m) {
  switch (m) {
    case ReceiverMode::recv:
      return "recv";
    case ReceiverMode::zerocopy_receive:
      return "zerocopy-receive";
    case ReceiverMode::truncate:
      return "truncate";
    case ReceiverMode::zcrx:
      return "zcrx";
  }
  return "?";
}

std::optional<SinkKind> parse_sink_kind(std::string_view text) {
  for (auto s : {SinkKind::tcp, SinkKind::unix_stream, SinkKind::pipe, SinkKind::null,
                 SinkKind::file, SinkKind::veth, SinkKind::remote})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::optional<ReceiverMode> parse_receiver_mode(std::string_view text) {
  for (auto m : {ReceiverMode::recv, ReceiverMode::zerocopy_receive, ReceiverMode::truncate,
                 ReceiverMode::zcrx})
    if (to_string(m) == text) return m;
  return std::nullopt;
}

bool has_receiver_process(SinkKind s) {
  return s == SinkKind::tcp || s == SinkKind::unix_stream || s == SinkKind::pipe ||
         s == SinkKind::veth || s == SinkKind::remote;
}

bool is_socket_sink(SinkKind s) {
  return s == SinkKind::tcp || s == SinkKind::unix_stream || s == SinkKind::veth ||
         s == SinkKind::remote;
}

}  // namespace zc
