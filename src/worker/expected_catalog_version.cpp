#include "worker/expected_catalog_version.hpp"

#include "duckdb/common/exception/catalog_exception.hpp"
#include "worker/catalog_reader.hpp"

namespace openduck {

static constexpr const char *kKey = "openduck_expected_catalog_version";

duckdb::RebindQueryInfo ExpectedCatalogVersion::OnFinalizePrepare(duckdb::ClientContext &context,
                                                                 duckdb::PreparedStatementData &,
                                                                 duckdb::PreparedStatementMode) {
	auto current = CatalogVersion(context);
	if (current != expected_) {
		throw duckdb::CatalogException("catalog version mismatch: the statement was bound against catalog version " +
		                               expected_ + ", the database's is " + current +
		                               "; bind it again against the current catalog");
	}
	return duckdb::RebindQueryInfo::DO_NOT_REBIND;
}

ExpectedCatalogVersion::Guard::Guard(duckdb::ClientContext &context, const std::string &expected) {
	if (!expected.empty()) {
		context.registered_state->Insert(kKey, duckdb::make_shared_ptr<ExpectedCatalogVersion>(expected));
		context_ = &context;
	}
}

ExpectedCatalogVersion::Guard::~Guard() {
	if (context_) {
		context_->registered_state->Remove(kKey);
	}
}

} // namespace openduck
