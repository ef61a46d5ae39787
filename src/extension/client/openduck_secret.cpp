#include "extension/client/openduck_secret.hpp"

#include "common/endpoint.hpp"
#include "duckdb/catalog/catalog_transaction.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/main/secret/secret.hpp"
#include "duckdb/main/secret/secret_manager.hpp"

#include <stdexcept>

namespace openduck {

using namespace duckdb;

static constexpr const char *kSecretType = "openduck";
static constexpr const char *kScopePrefix = "openduck:";
// The secret's settings, as CREATE SECRET parameters and as attach keys.
static const char *const kSecretKeys[] = {"token", "endpoint", "ca", "client_cert", "client_key"};

// 'od:x' and 'openduck:x' name the same database, like the two ATTACH prefixes.
static std::string NormalizeScope(const std::string &scope) {
	if (StringUtil::StartsWith(scope, "od:")) {
		return kScopePrefix + scope.substr(3);
	}
	return scope;
}

// A KeyValueSecret whose scope names a database exactly: 'openduck:sales' must not serve
// 'openduck:sales_archive', as DuckDB's prefix matching would.
class OpenDuckSecret : public KeyValueSecret {
public:
	using KeyValueSecret::KeyValueSecret;
	explicit OpenDuckSecret(const BaseSecret &secret) : KeyValueSecret(secret) {
	}

	int64_t MatchScore(const string &path) const override {
		if (prefix_paths.empty()) {
			return 0;
		}
		int64_t best = NumericLimits<int64_t>::Minimum();
		for (auto &scope : prefix_paths) {
			if (scope == kScopePrefix) {
				best = MaxValue<int64_t>(best, 0);
			} else if (scope == path) {
				best = MaxValue<int64_t>(best, NumericCast<int64_t>(scope.size()));
			}
		}
		return best;
	}

	unique_ptr<const BaseSecret> Clone() const override {
		return make_uniq<OpenDuckSecret>(*this);
	}
};

static unique_ptr<BaseSecret> CreateFromConfig(ClientContext &context, CreateSecretInput &input) {
	vector<string> scope;
	for (auto &entry : input.scope) {
		auto normalized = NormalizeScope(entry);
		if (!StringUtil::StartsWith(normalized, kScopePrefix)) {
			throw InvalidInputException("OpenDuck secret scope '%s' names no database: write SCOPE 'openduck:mydb' "
			                            "(or leave SCOPE out to use the secret for every OpenDuck database)",
			                            entry);
		}
		scope.push_back(normalized);
	}
	auto secret = make_uniq<OpenDuckSecret>(scope, input.type, input.provider, input.name);
	for (auto key : kSecretKeys) {
		secret->TrySetValue(key, input);
	}
	if (secret->secret_map.empty()) {
		throw InvalidInputException("an OpenDuck secret needs TOKEN, ENDPOINT or CA, e.g. CREATE SECRET (TYPE "
		                            "openduck, TOKEN '...', ENDPOINT 'https://host:7878', CA '/path/ca.pem')");
	}
	Value endpoint;
	if (secret->TryGetValue("endpoint", endpoint)) {
		try {
			ParseEndpoint(endpoint.ToString());
		} catch (std::invalid_argument &ex) {
			throw InvalidInputException("OpenDuck secret: %s", ex.what());
		}
	}
	secret->redact_keys = {"token"};
	return std::move(secret);
}

void RegisterOpenDuckSecretType(DatabaseInstance &db) {
	auto &manager = SecretManager::Get(db);
	SecretType type;
	type.name = kSecretType;
	type.deserializer = KeyValueSecret::Deserialize<OpenDuckSecret>;
	type.default_provider = "config";
	type.extension = "openduck";
	manager.RegisterSecretType(type);

	CreateSecretFunction function;
	function.secret_type = kSecretType;
	function.provider = "config";
	function.function = CreateFromConfig;
	for (auto key : kSecretKeys) {
		function.named_parameters[key] = LogicalType::VARCHAR;
	}
	manager.RegisterSecretFunction(std::move(function), OnCreateConflict::ERROR_ON_CONFLICT);
}

std::map<std::string, std::string> OpenDuckSecretSettings(ClientContext &context, const std::string &database,
                                                          const std::string &name) {
	auto &manager = SecretManager::Get(context);
	auto transaction = CatalogTransaction::GetSystemCatalogTransaction(context);
	unique_ptr<SecretEntry> named;
	const BaseSecret *secret = nullptr;
	SecretMatch match;
	if (!name.empty()) {
		named = manager.GetSecretByName(transaction, name);
		if (!named) {
			throw InvalidInputException("OpenDuck ATTACH: no secret named '%s' (see duckdb_secrets())", name);
		}
		if (named->secret->GetType() != kSecretType) {
			throw InvalidInputException("OpenDuck ATTACH: secret '%s' is of type %s, not openduck", name,
			                            named->secret->GetType());
		}
		secret = named->secret.get();
	} else {
		match = manager.LookupSecret(transaction, kScopePrefix + database, kSecretType);
		if (!match.HasMatch()) {
			return {};
		}
		secret = &match.GetSecret();
	}
	std::map<std::string, std::string> settings;
	auto &values = dynamic_cast<const KeyValueSecret &>(*secret);
	for (auto key : kSecretKeys) {
		Value value;
		if (values.TryGetValue(key, value) && !value.IsNull()) {
			settings[key] = value.ToString();
		}
	}
	return settings;
}

} // namespace openduck
