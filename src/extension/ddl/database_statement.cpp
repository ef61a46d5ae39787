#include "extension/ddl/database_statement.hpp"

#include <algorithm>

#include <cctype>
#include <vector>

namespace openduck {

namespace {

struct Token {
	enum class Type { kWord, kQuoted, kString, kNumber, kSymbol };
	Type type;
	std::string text; // quotes removed
};

std::string Upper(std::string text) {
	for (auto &c : text) {
		c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	}
	return text;
}

// Splits `sql`; false on a character no form here uses (another statement, DuckDB's to judge).
bool Tokenize(const std::string &sql, std::vector<Token> &tokens) {
	size_t i = 0;
	while (i < sql.size()) {
		unsigned char c = sql[i];
		if (std::isspace(c)) {
			i++;
		} else if (sql.compare(i, 2, "--") == 0) {
			// Comments, as DuckDB's own parser skips them (a script's statement may start with
			// the comment that ended the previous line).
			i = std::min(sql.size(), sql.find('\n', i));
		} else if (sql.compare(i, 2, "/*") == 0) {
			auto end = sql.find("*/", i + 2);
			if (end == std::string::npos) {
				return false;
			}
			i = end + 2;
		} else if (std::isalpha(c) || c == '_') {
			size_t start = i;
			while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
				i++;
			}
			tokens.push_back({Token::Type::kWord, sql.substr(start, i - start)});
		} else if (std::isdigit(c)) {
			size_t start = i;
			while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) {
				i++;
			}
			tokens.push_back({Token::Type::kNumber, sql.substr(start, i - start)});
		} else if (c == '"' || c == '\'') {
			// SQL quoting: a doubled quote stands for one.
			std::string text;
			i++;
			while (true) {
				if (i >= sql.size()) {
					return false;
				}
				if (sql[i] == static_cast<char>(c)) {
					if (i + 1 < sql.size() && sql[i + 1] == static_cast<char>(c)) {
						text += sql[i];
						i += 2;
						continue;
					}
					i++;
					break;
				}
				text += sql[i++];
			}
			tokens.push_back({c == '"' ? Token::Type::kQuoted : Token::Type::kString, text});
		} else if (sql.compare(i, 2, "=>") == 0) {
			tokens.push_back({Token::Type::kSymbol, "=>"});
			i += 2;
		} else if (c == '(' || c == ')' || c == ';') {
			tokens.push_back({Token::Type::kSymbol, std::string(1, static_cast<char>(c))});
			i++;
		} else {
			return false;
		}
	}
	while (!tokens.empty() && tokens.back().type == Token::Type::kSymbol && tokens.back().text == ";") {
		tokens.pop_back();
	}
	return true;
}

class Reader {
public:
	Reader(const std::vector<Token> &tokens, std::string &error) : tokens_(tokens), error_(error) {
	}
	bool Keyword(const char *word) {
		if (pos_ < tokens_.size() && tokens_[pos_].type == Token::Type::kWord && Upper(tokens_[pos_].text) == word) {
			pos_++;
			return true;
		}
		return false;
	}
	bool Symbol(const char *symbol) {
		if (pos_ < tokens_.size() && tokens_[pos_].type == Token::Type::kSymbol && tokens_[pos_].text == symbol) {
			pos_++;
			return true;
		}
		return false;
	}
	bool AtEnd() const {
		return pos_ == tokens_.size();
	}
	// A database or snapshot name: a word or a "quoted" identifier.
	bool Name(std::string &name, const std::string &what) {
		if (pos_ < tokens_.size() &&
		    (tokens_[pos_].type == Token::Type::kWord || tokens_[pos_].type == Token::Type::kQuoted)) {
			name = tokens_[pos_++].text;
			return true;
		}
		return Fail("expected " + what);
	}
	// A snapshot id or name, or a time: a 'string', a number or a word.
	bool Value(std::string &value, const std::string &what) {
		if (pos_ < tokens_.size() && tokens_[pos_].type != Token::Type::kSymbol) {
			value = tokens_[pos_++].text;
			return true;
		}
		return Fail("expected " + what);
	}
	bool Fail(const std::string &why) {
		error_ = why + (AtEnd() ? " at the end" : " at \"" + tokens_[pos_].text + "\"");
		return false;
	}

private:
	const std::vector<Token> &tokens_;
	std::string &error_;
	size_t pos_ = 0;
};

const char *kUsage = " (CREATE DATABASE x [FROM y [AT (VERSION => 'snapshot') | AT (TIMESTAMP => 'time')]])";

bool ParseAt(Reader &in, DatabaseStatement &statement) {
	if (!in.Keyword("AT")) {
		return true;
	}
	if (!in.Symbol("(")) {
		return in.Fail("expected ( after AT");
	}
	if (in.Keyword("VERSION")) {
		statement.at = DatabaseStatement::At::kVersion;
	} else if (in.Keyword("TIMESTAMP")) {
		statement.at = DatabaseStatement::At::kTimestamp;
	} else {
		return in.Fail(std::string("expected VERSION or TIMESTAMP") + kUsage);
	}
	if (!in.Symbol("=>")) {
		return in.Fail("expected =>");
	}
	return in.Value(statement.at_value, "a snapshot or a time") && (in.Symbol(")") || in.Fail("expected )"));
}

bool ParseCreateSnapshot(Reader &in, DatabaseStatement &statement) {
	statement.kind = DatabaseStatement::Kind::kSnapshot;
	if (!in.Keyword("OF") && !(in.Name(statement.source, "a snapshot name or OF") && in.Keyword("OF"))) {
		return in.Fail("expected OF (CREATE SNAPSHOT [name] OF database)");
	}
	return in.Name(statement.database, "the database to snapshot");
}

bool ParseCreateDatabase(Reader &in, DatabaseStatement &statement) {
	statement.kind = DatabaseStatement::Kind::kCreate;
	if (!in.Name(statement.database, "the new database's name")) {
		return false;
	}
	if (in.Symbol("(")) {
		std::string type;
		if (!in.Keyword("TYPE") || !in.Name(type, "a database type")) {
			return in.Fail("expected TYPE DUCKLAKE (CREATE DATABASE x (TYPE DUCKLAKE))");
		}
		if (Upper(type) != "DUCKLAKE") {
			return in.Fail("unknown database type '" + type + "': use (TYPE DUCKLAKE), or no type for a native database");
		}
		statement.type = "ducklake";
		return in.Symbol(")") || in.Fail("expected )");
	}
	if (!in.Keyword("FROM")) {
		return true;
	}
	statement.kind = DatabaseStatement::Kind::kClone;
	return in.Name(statement.source, "the database to clone") && ParseAt(in, statement);
}

// A name as the canonical SQL writes it: always quoted, so any name reads back the same.
std::string Quoted(const std::string &text, char quote) {
	std::string out(1, quote);
	for (auto c : text) {
		out += c;
		if (c == quote) {
			out += c;
		}
	}
	return out + quote;
}

} // namespace

std::optional<DatabaseStatement> ParseDatabaseStatement(const std::string &sql, std::string &error) {
	std::vector<Token> tokens;
	if (!Tokenize(sql, tokens)) {
		return std::nullopt;
	}
	Reader in(tokens, error);
	DatabaseStatement statement;
	bool parsed;
	if (in.Keyword("CREATE")) {
		if (in.Keyword("DATABASE")) {
			parsed = ParseCreateDatabase(in, statement);
		} else if (in.Keyword("SNAPSHOT")) {
			parsed = ParseCreateSnapshot(in, statement);
		} else {
			return std::nullopt;
		}
	} else if (in.Keyword("DROP") || in.Keyword("UNDROP")) {
		statement.kind = Upper(tokens[0].text) == "DROP" ? DatabaseStatement::Kind::kDrop
		                                                  : DatabaseStatement::Kind::kUndrop;
		if (!in.Keyword("DATABASE")) {
			return std::nullopt;
		}
		parsed = in.Name(statement.database, "the database's name");
	} else if (in.Keyword("SHOW") && in.Keyword("OPENDUCK")) {
		statement.kind = DatabaseStatement::Kind::kShow;
		parsed = in.Keyword("DATABASES") || in.Fail("expected DATABASES (SHOW OPENDUCK DATABASES)");
	} else {
		return std::nullopt;
	}
	if (parsed && !in.AtEnd()) {
		parsed = in.Fail("unexpected text");
	}
	if (!parsed) {
		return std::nullopt;
	}
	return statement;
}

std::string DatabaseStatement::ToSql() const {
	switch (kind) {
	case Kind::kCreate:
		return "CREATE DATABASE " + Quoted(database, '"') + (type.empty() ? "" : " (TYPE DUCKLAKE)");
	case Kind::kClone: {
		auto sql = "CREATE DATABASE " + Quoted(database, '"') + " FROM " + Quoted(source, '"');
		if (at == At::kHead) {
			return sql;
		}
		return sql + " AT (" + (at == At::kVersion ? "VERSION" : "TIMESTAMP") + " => " + Quoted(at_value, '\'') + ")";
	}
	case Kind::kSnapshot:
		return "CREATE SNAPSHOT " + (source.empty() ? "" : Quoted(source, '"') + " ") + "OF " + Quoted(database, '"');
	case Kind::kDrop:
		return "DROP DATABASE " + Quoted(database, '"');
	case Kind::kUndrop:
		return "UNDROP DATABASE " + Quoted(database, '"');
	default:
		return "SHOW OPENDUCK DATABASES";
	}
}

} // namespace openduck
