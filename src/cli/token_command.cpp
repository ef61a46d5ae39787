#include "auth/token_store.hpp"
#include "cli/admin_arguments.hpp"
#include "cli/commands.hpp"
#include "cli/storage_options.hpp"

#include <openssl/rand.h>

#include <cstdio>
#include <ctime>

namespace openduck {

const char *kTokenHelp = R"(Usage: openduck token <action> [options]

Scoped access tokens, kept hashed in the metadata store the servers read (the same
--data-dir / --metadata as `openduck serve|worker`; a separate `openduck gateway` needs
--metadata too). A token reaches one database, or all with --database '*', and may:
  read    query (SELECT, EXPLAIN, reads in transactions)
  write   also insert, update, delete, change the schema, CHECKPOINT and name snapshots
  admin   also create and clone databases (for '*': every database, and GET /metrics)
The server's own -t token stays the bootstrap admin token. A revoked or expired token is
refused on its next request.

Actions:
  create --database NAME|'*' --scope read|write|admin [--expires 30d] [--name LABEL]
                  prints the new token alone on the last line: it is shown only this once
  list            labels, databases, scopes, expiry and last use (never the tokens)
  revoke LABEL    refuse the token from now on

Options:
      --data-dir DIR    the server's data dir (default: $OPENDUCK_DATA_DIR or ./openduck-data)
)";

static std::string FormatTime(int64_t seconds) {
	if (seconds == 0) {
		return "-";
	}
	std::time_t time = static_cast<std::time_t>(seconds);
	std::tm utc;
	gmtime_r(&time, &utc);
	char text[32];
	std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%SZ", &utc);
	return text;
}

static std::string DefaultLabel() {
	unsigned char random[4];
	RAND_bytes(random, sizeof(random));
	char text[16];
	std::snprintf(text, sizeof(text), "token-%02x%02x%02x%02x", random[0], random[1], random[2], random[3]);
	return text;
}

int RunToken(const std::vector<std::string> &args) {
	auto specs = WithStorage({{"database", 'd', true}, {"scope", 0, true}, {"expires", 0, true}, {"name", 0, true}});
	std::vector<std::string> option_words;
	auto words = Positional(args, specs, option_words);
	auto options = ParseOptions(option_words, specs);
	if (options.Has("help") || words.empty()) {
		std::fputs(kTokenHelp, options.Has("help") ? stdout : stderr);
		return options.Has("help") ? 0 : 2;
	}
	auto action = words[0];
	TokenStore store(OpenSqlConnection(StorageConfigFrom(options).metadata_url));
	if (action == "create") {
		Require(words, 1, "openduck token create --database NAME|'*' --scope read|write|admin [--expires 30d] "
		                  "[--name LABEL]");
		if (!options.Has("database") || !options.Has("scope")) {
			throw UsageError("token create needs --database NAME (or '*' for every database) and --scope "
			                 "read|write|admin");
		}
		Scope scope;
		try {
			scope = ParseScope(options.Get("scope"));
		} catch (std::invalid_argument &ex) {
			throw UsageError(std::string("--scope: ") + ex.what());
		}
		auto expires = options.Has("expires") ? ParseDuration("expires", options.Get("expires")) : 0;
		if (options.Has("expires") && expires == 0) {
			throw UsageError("--expires must be longer than 0 (leave it out for a token that does not expire)");
		}
		auto label = options.Get("name", DefaultLabel());
		std::string secret;
		try {
			secret = store.Create(label, options.Get("database"), scope, expires);
		} catch (std::invalid_argument &ex) {
			throw UsageError(ex.what());
		}
		std::printf("created token '%s': database '%s', scope %s, %s\n", label.c_str(), options.Get("database").c_str(),
		            ScopeName(scope).c_str(),
		            expires ? ("expires in " + options.Get("expires")).c_str() : "does not expire");
		std::printf("it is shown only now; `openduck token revoke %s` withdraws it\n%s\n", label.c_str(), secret.c_str());
		return 0;
	}
	if (action == "list") {
		Require(words, 1, "openduck token list");
		std::printf("%-24s %-20s %-6s %-21s %-21s %-21s %s\n", "LABEL", "DATABASE", "SCOPE", "CREATED", "EXPIRES",
		            "LAST USED", "STATE");
		for (auto &token : store.List()) {
			std::printf("%-24s %-20s %-6s %-21s %-21s %-21s %s\n", token.label.c_str(), token.database.c_str(),
			            ScopeName(token.scope).c_str(), FormatTime(token.created_at).c_str(),
			            FormatTime(token.expires_at).c_str(), FormatTime(token.last_used_at).c_str(),
			            token.revoked_at ? ("revoked " + FormatTime(token.revoked_at)).c_str() : "live");
		}
		return 0;
	}
	if (action == "revoke") {
		Require(words, 2, "openduck token revoke LABEL");
		try {
			store.Revoke(words[1]);
		} catch (std::invalid_argument &ex) {
			throw UsageError(ex.what());
		}
		std::printf("revoked token '%s': it is refused from its next request on\n", words[1].c_str());
		return 0;
	}
	throw UsageError("unknown token action '" + action + "' (create, list or revoke)");
}

} // namespace openduck
