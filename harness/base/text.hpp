// Text that came from outside (files, programs, peers, command lines) made
// safe for where it goes: a terminal or log line (printable) or the results
// document, whose JSON must be valid UTF-8 (utf8_safe). Both write a byte
// they cannot pass on as \xNN, so one spelling means one byte everywhere.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace zc {

// Text made safe for a log line, a message or a table: control bytes
// (newlines, ESC) and bytes outside printable ASCII become \xNN (a
// backslash too, so that the escape cannot be forged), and the result is
// cut at `max` characters, marked "...". A file, program or peer cannot
// forge a line or send the terminal escape codes. The sink server's log and
// every message that quotes outside text use this.
std::string printable(std::string_view peer_text, std::size_t max = 80);

// Text made valid UTF-8 for the results document: valid UTF-8 stays as it
// is; each byte that is not part of a valid sequence becomes \xNN. Paths,
// command lines, program output and descriptions pass through this before
// they are stored in a record.
std::string utf8_safe(std::string_view text);

// Whether `text` can go to a terminal as it is: valid UTF-8 without C0 or
// C1 control characters (tab excepted).
bool terminal_safe(std::string_view text);

// `text` for a terminal: as it is when terminal_safe(), else printable()
// (at most `max` characters). For messages and tables that quote outside
// text among zc-bench's own UTF-8.
std::string terminal_text(std::string_view text, std::size_t max = 4096);

}  // namespace zc
