#include "cmd/help_format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "harness/report/text_table.hpp"

namespace zc::cmd {

std::string wrap_words(const std::string& text, std::size_t width) {
  std::string out;
  std::istringstream paragraphs(text);
  std::string paragraph;
  bool first_paragraph = true;
  while (std::getline(paragraphs, paragraph)) {
    if (!first_paragraph) out += '\n';
    first_paragraph = false;
    // An indented line (an example) keeps its indent on every piece.
    const std::string indent = paragraph.substr(0, paragraph.find_first_not_of(' '));
    std::istringstream words(paragraph);
    std::string word, line;
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += line + '\n';
        line.clear();
      }
      line += (line.empty() ? indent : " ") + word;
    }
    out += line;
  }
  return out;
}

namespace {

// CLI11 indents the lines after each '\n' of a description to its column,
// so wrapping the text is enough.
class WrappingFormatter : public CLI::Formatter {
 public:
  explicit WrappingFormatter(std::size_t width) : width_(std::max<std::size_t>(width, 60)) {
    column_width(28);
  }
  // "--interleave,--no-interleave", not CLI11's "...{false}".
  std::string make_option_name(const CLI::Option* opt, bool positional) const override {
    std::string name = CLI::Formatter::make_option_name(opt, positional);
    for (auto open = name.find('{'); open != std::string::npos; open = name.find('{')) {
      auto close = name.find('}', open);
      if (close == std::string::npos) break;
      name.erase(open, close - open + 1);
    }
    return name;
  }
  // " SIZE=256M": the value named after its option, not CLI11's type
  // ("TEXT", "UINT:UINT in [0 - 100]"); ranges and values are in the text.
  std::string make_option_opts(const CLI::Option* opt) const override {
    const std::string base = CLI::Formatter::make_option_opts(opt);
    if (base.empty() || base.rfind(" (", 0) == 0 || !opt->get_option_text().empty()) return base;
    if (opt->get_positional()) return opt->get_required() ? " (required)" : "";
    std::string word = opt->get_lnames().empty() ? opt->get_name() : opt->get_lnames().front();
    for (auto& c : word) c = char(std::toupper(static_cast<unsigned char>(c)));
    std::string out = " " + word;
    if (!opt->get_default_str().empty()) out += "=" + opt->get_default_str();
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
    if (opt->get_required()) out += " (required)";
    if (!opt->get_envname().empty()) out += " (or $" + opt->get_envname() + ")";
    return out;
  }
  std::string make_option_desc(const CLI::Option* opt) const override {
    return wrap_words(CLI::Formatter::make_option_desc(opt), width_ - get_column_width() - 1);
  }
  std::string make_description(const CLI::App* app) const override {
    return wrap_keeping_end(CLI::Formatter::make_description(app));
  }
  std::string make_footer(const CLI::App* app) const override {
    return wrap_keeping_end(CLI::Formatter::make_footer(app));
  }

 private:
  // The text wrapped, the newlines CLI11 put at its end kept as they were.
  std::string wrap_keeping_end(const std::string& text) const {
    auto end = text.find_last_not_of('\n');
    if (end == std::string::npos) return text;
    return wrap_words(text.substr(0, end + 1), width_ - 1) + text.substr(end + 1);
  }
  std::size_t width_;
};

}  // namespace

std::shared_ptr<CLI::Formatter> wrapping_formatter() {
  return std::make_shared<WrappingFormatter>(terminal_width(stdout));
}

}  // namespace zc::cmd
