#include "cli/config_file.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace openduck {

const char *kConfigOptionHelp =
    R"(      --config FILE     read options from FILE (TOML; keys are these option names, e.g.
                        port = 7878, database = ["a", "b"]; default: $OPENDUCK_CONFIG);
                        command-line options and their environment variables win
)";

// Options whose environment variable beats the config file (it stands in for the option).
static const std::map<std::string, const char *> kOptionEnvironment = {
    {"token", "OPENDUCK_TOKEN"},
    {"token-file", "OPENDUCK_TOKEN"},
    {"cluster-secret-file", "OPENDUCK_CLUSTER_SECRET"},
    {"data-dir", "OPENDUCK_DATA_DIR"},
    {"metadata", "OPENDUCK_METADATA_URL"},
    {"store", "OPENDUCK_STORE_URL"},
    {"extension-dir", "OPENDUCK_EXTENSION_DIR"},
    {"tls-ca", "OPENDUCK_CA"},
    {"gateway", "OPENDUCK_ENDPOINT"},
};

static const std::set<std::string> kCommandTables = {"serve", "gateway", "worker", "gc"};
// Admin commands sharing the servers' file: its top-level keys they do not take are not errors.
static const std::set<std::string> kSkipsServerKeys = {"gc"};

namespace {

// Reads one config file's text; every error names the file and line.
class ConfigParser {
public:
	ConfigParser(const std::string &text, const std::string &file_name) : text_(text), file_(file_name) {
	}

	std::vector<ConfigEntry> Parse() {
		std::vector<ConfigEntry> entries;
		std::set<std::pair<std::string, std::string>> seen;
		std::string table;
		while (true) {
			SkipBlankAndComments();
			if (AtEnd()) {
				return entries;
			}
			if (Peek() == '[') {
				Advance();
				SkipSpaces();
				table = Key();
				SkipSpaces();
				Expect(']', "to close the table name");
				if (!kCommandTables.count(table)) {
					Fail("unknown table [" + table + "]: the tables are [serve], [gateway], [worker] and [gc]");
				}
				EndOfLine();
				continue;
			}
			ConfigEntry entry;
			entry.table = table;
			entry.line = line_;
			entry.key = Key();
			if (!seen.insert({table, entry.key}).second) {
				Fail("'" + entry.key + "' is set twice");
			}
			SkipSpaces();
			Expect('=', "after the key '" + entry.key + "'");
			SkipSpaces();
			if (Peek() == '[') {
				Advance();
				while (true) {
					SkipBlankAndComments();
					if (Peek() == ']') {
						Advance();
						break;
					}
					entry.values.push_back(Scalar(entry.is_bool));
					SkipBlankAndComments();
					if (Peek() == ',') {
						Advance();
					} else if (Peek() != ']') {
						Fail("expected ',' or ']' in the array of '" + entry.key + "'");
					}
				}
			} else {
				entry.values.push_back(Scalar(entry.is_bool));
			}
			EndOfLine();
			entries.push_back(std::move(entry));
		}
	}

private:
	bool AtEnd() const {
		return pos_ >= text_.size();
	}
	char Peek() const {
		return AtEnd() ? '\0' : text_[pos_];
	}
	void Advance() {
		if (text_[pos_++] == '\n') {
			line_++;
		}
	}
	[[noreturn]] void Fail(const std::string &message) const {
		throw UsageError(file_ + " line " + std::to_string(line_) + ": " + message);
	}
	void Expect(char c, const std::string &where) {
		if (Peek() != c) {
			Fail(std::string("expected '") + c + "' " + where);
		}
		Advance();
	}
	void SkipSpaces() {
		while (Peek() == ' ' || Peek() == '\t') {
			Advance();
		}
	}
	void SkipComment() {
		if (Peek() == '#') {
			while (!AtEnd() && Peek() != '\n') {
				Advance();
			}
		}
	}
	void SkipBlankAndComments() {
		while (true) {
			SkipSpaces();
			SkipComment();
			if (Peek() == '\n' || Peek() == '\r') {
				Advance();
			} else {
				return;
			}
		}
	}
	void EndOfLine() {
		SkipSpaces();
		SkipComment();
		if (Peek() == '\r') {
			Advance();
		}
		if (!AtEnd() && Peek() != '\n') {
			Fail("unexpected text after the value (one key = value per line)");
		}
	}
	static bool IsBare(char c) {
		return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
	}
	std::string Key() {
		if (Peek() == '"' || Peek() == '\'') {
			return String();
		}
		std::string key;
		while (IsBare(Peek())) {
			key += Peek();
			Advance();
		}
		if (key.empty()) {
			Fail("expected a key (an option name such as port or data-dir)");
		}
		return key;
	}
	std::string Scalar(bool &is_bool) {
		char c = Peek();
		if (c == '"' || c == '\'') {
			return String();
		}
		// The whole unquoted word, so an error shows what was meant (127.0.0.1, 1.5, yes).
		std::string word;
		while (!AtEnd() && std::string(" \t\r\n,]#").find(Peek()) == std::string::npos) {
			word += Peek();
			Advance();
		}
		if (word == "true" || word == "false") {
			is_bool = true;
			return word;
		}
		std::string digits;
		for (size_t i = 0; i < word.size(); i++) {
			if (word[i] == '_' && i > 0 && i + 1 < word.size()) {
				continue;
			}
			digits += word[i];
		}
		size_t start = !digits.empty() && (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
		bool integer = digits.size() > start;
		for (size_t i = start; i < digits.size(); i++) {
			integer = integer && digits[i] >= '0' && digits[i] <= '9';
		}
		if (!integer) {
			Fail("expected a value: a \"string\", an integer, true/false or an array [...]" +
			     (word.empty() ? std::string() : ", got '" + word + "' (quote text values)"));
		}
		return digits[0] == '+' ? digits.substr(1) : digits;
	}
	std::string String() {
		char quote = Peek();
		Advance();
		std::string value;
		while (true) {
			if (AtEnd() || Peek() == '\n') {
				Fail(std::string("unterminated string (missing ") + quote + ")");
			}
			char c = Peek();
			Advance();
			if (c == quote) {
				return value;
			}
			if (c != '\\' || quote == '\'') {
				value += c;
				continue;
			}
			char escaped = Peek();
			Advance();
			switch (escaped) {
			case '"':
			case '\\':
				value += escaped;
				break;
			case 'n':
				value += '\n';
				break;
			case 't':
				value += '\t';
				break;
			case 'r':
				value += '\r';
				break;
			case 'b':
				value += '\b';
				break;
			case 'f':
				value += '\f';
				break;
			case 'u':
			case 'U':
				AppendUtf8(value, HexDigits(escaped == 'u' ? 4 : 8));
				break;
			default:
				Fail(std::string("unknown escape \\") + escaped + " in a string ('single quotes' take text as is)");
			}
		}
	}
	uint32_t HexDigits(int count) {
		uint32_t code = 0;
		for (int i = 0; i < count; i++) {
			char c = Peek();
			int digit = c >= '0' && c <= '9' ? c - '0'
			            : c >= 'a' && c <= 'f' ? c - 'a' + 10
			            : c >= 'A' && c <= 'F' ? c - 'A' + 10
			                                   : -1;
			if (digit < 0) {
				Fail("expected " + std::to_string(count) + " hex digits after \\u");
			}
			code = code * 16 + static_cast<uint32_t>(digit);
			Advance();
		}
		if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
			Fail("\\u escape is not a Unicode scalar value");
		}
		return code;
	}
	static void AppendUtf8(std::string &out, uint32_t code) {
		if (code < 0x80) {
			out += static_cast<char>(code);
		} else if (code < 0x800) {
			out += static_cast<char>(0xC0 | (code >> 6));
			out += static_cast<char>(0x80 | (code & 0x3F));
		} else if (code < 0x10000) {
			out += static_cast<char>(0xE0 | (code >> 12));
			out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
			out += static_cast<char>(0x80 | (code & 0x3F));
		} else {
			out += static_cast<char>(0xF0 | (code >> 18));
			out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
			out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
			out += static_cast<char>(0x80 | (code & 0x3F));
		}
	}

	const std::string &text_;
	const std::string file_;
	size_t pos_ = 0;
	int line_ = 1;
};

} // namespace

std::vector<ConfigEntry> ParseConfigText(const std::string &text, const std::string &file_name) {
	return ConfigParser(text, file_name).Parse();
}

void ApplyConfigFile(const std::string &command, const std::vector<OptionSpec> &specs, ParsedOptions &options) {
	std::string path = options.Get("config");
	if (path.empty()) {
		const char *env = std::getenv("OPENDUCK_CONFIG");
		path = env ? env : "";
	}
	if (path.empty()) {
		return;
	}
	std::ifstream in(path);
	if (!in) {
		throw UsageError("cannot read the config file " + path + " (--config / OPENDUCK_CONFIG)");
	}
	std::stringstream text;
	text << in.rdbuf();
	std::map<std::string, const OptionSpec *> known;
	for (auto &spec : specs) {
		known[spec.name] = &spec;
	}
	// From the file: the command's own table wins over the top level.
	std::map<std::string, const ConfigEntry *> chosen;
	auto entries = ParseConfigText(text.str(), path);
	for (auto &entry : entries) {
		if (!entry.table.empty() && entry.table != command) {
			continue;
		}
		auto spec = known.find(entry.key);
		bool unknown = spec == known.end() || entry.key == "config" || entry.key == "help";
		if (unknown && entry.table.empty() && kSkipsServerKeys.count(command)) {
			continue;
		}
		if (unknown) {
			throw UsageError(path + " line " + std::to_string(entry.line) + ": `openduck " + command +
			                 "` has no option '" + entry.key + "' (see `openduck " + command + " --help`" +
			                 (entry.table.empty() ? "; keys for another command go under its [serve], [gateway], "
			                                        "[worker] or [gc] table)"
			                                      : ")"));
		}
		if (entry.is_bool == spec->second->takes_value) {
			throw UsageError(path + " line " + std::to_string(entry.line) + ": '" + entry.key + "' " +
			                 (spec->second->takes_value ? "takes a value, not true/false" : "takes true or false"));
		}
		auto &slot = chosen[entry.key];
		if (!slot || !entry.table.empty()) {
			slot = &entry;
		}
	}
	for (auto &item : chosen) {
		auto &name = item.first;
		if (options.Has(name)) {
			continue; // the command line wins
		}
		auto env = kOptionEnvironment.find(name);
		if (env != kOptionEnvironment.end()) {
			const char *value = std::getenv(env->second);
			if (value && *value) {
				continue; // and so does the option's environment variable
			}
		}
		for (auto &value : item.second->values) {
			if (value != "false") {
				options.values_[name].push_back(value);
			}
		}
	}
}

} // namespace openduck
