// Help for a person: every subcommand's --help wrapped to the terminal's
// width (COLUMNS, else the terminal, else 80), as the tables are.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

namespace zc::cmd {

// `text` broken at spaces into lines of at most `width` characters (a word
// longer than that stands alone); the line breaks it already has are kept.
std::string wrap_words(const std::string& text, std::size_t width);

// The formatter main() gives the app before it adds the subcommands, so
// that each of them inherits it.
std::shared_ptr<CLI::Formatter> wrapping_formatter();

}  // namespace zc::cmd
