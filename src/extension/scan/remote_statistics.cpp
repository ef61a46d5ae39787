#include "extension/scan/remote_statistics.hpp"

#include "common/column_statistics.hpp"
#include "common/failpoint.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/transaction/transaction_context.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/catalog/od_transaction.hpp"
#include "extension/client/remote_client.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/scan/query_stats.hpp"

namespace openduck {

using namespace duckdb;

StatisticsCheck::StatisticsCheck(std::string table, vector<std::string> names,
                                 vector<std::pair<idx_t, BaseStatistics>> columns)
    : table_(std::move(table)), names_(std::move(names)), columns_(std::move(columns)) {
}

void StatisticsCheck::Verify(DataChunk &chunk) const {
	for (idx_t i = 0; i < columns_.size(); i++) {
		auto &column = columns_[i];
		try {
			column.second.Verify(chunk.data[column.first], chunk.size());
		} catch (InternalException &) {
			// DuckDB's own check reports a mismatch as an internal error; here it is a race.
			throw IOException("OpenDuck: remote table %s changed while the statement ran: column %s has values "
			                  "outside the statistics the plan was optimized with; re-run the statement",
			                  table_, QuoteIdentifier(names_[i]));
		}
	}
}

RemoteTableStatistics::RemoteTableStatistics(ODCatalog &catalog, const RemoteRelation &relation)
    : catalog_(catalog), relation_(relation) {
}

// The catalog with the statistics of the statement's reads of `catalog`.
static v1::GetCatalogResponse ReadStatistics(ClientContext &context, ODCatalog &catalog, const RemoteRelation &relation) {
	auto &client = catalog.Client();
	QueryStats::Get(context).Current().requests++;
	if (!relation.snapshot.empty() || !client.Config().snapshot.empty()) {
		// A past snapshot never changes: its own statistics hold for every read of it.
		return client.GetCatalog("", "", relation.snapshot, false, relation.schema, relation.name);
	}
	std::string session;
	try {
		session = Transaction::Get(context, catalog).Cast<ODTransaction>().StatisticsSession(context, catalog);
	} catch (IOException &) {
		// No session now (the worker is unreachable, or moving): read them on their own, as a
		// read outside a session waits out a failover. StatisticsCheck still refuses rows a
		// commit in between brought outside them.
	}
	return session.empty() ? client.GetCatalog("", "", "", false, relation.schema, relation.name)
	                       : client.GetCatalog(session, "", "", true, relation.schema, relation.name);
}

void RemoteTableStatistics::Load(ClientContext &context) {
	loaded_ = true;
	columns_.resize(relation_.column_types.size());
	reported_.resize(relation_.column_types.size(), false);
	if (relation_.is_view) {
		return;
	}
	auto response = ReadStatistics(context, catalog_, relation_);
	for (auto &schema : response.schemas()) {
		if (schema.name() != relation_.schema) {
			continue;
		}
		for (auto &table : schema.tables()) {
			if (table.name() != relation_.name || table.is_view()) {
				continue;
			}
			for (auto &column : table.columns()) {
				for (idx_t i = 0; i < relation_.column_names.size(); i++) {
					if (relation_.column_names[i] != column.name()) {
						continue;
					}
					// A column altered since the catalog was cached keeps no statistics: they would be
					// decoded with the wrong type.
					auto &type = relation_.column_types[i];
					try {
						if (TransformStringToLogicalType(column.type()) != type) {
							continue;
						}
					} catch (std::exception &) {
						continue;
					}
					columns_[i] = DecodeColumnStatistics(column.statistics(), type);
				}
			}
		}
	}
	Failpoint("scan.statistics.loaded");
}

unique_ptr<BaseStatistics> RemoteTableStatistics::Get(ClientContext &context, column_t column) {
	if (!context.transaction.IsAutoCommit() || column >= relation_.column_types.size()) {
		return nullptr;
	}
	std::lock_guard<std::mutex> guard(lock_);
	if (declined_) {
		return nullptr;
	}
	if (!loaded_) {
		Load(context);
	}
	if (!columns_[column]) {
		return nullptr;
	}
	reported_[column] = true;
	return columns_[column]->ToUnique();
}

unique_ptr<StatisticsCheck> RemoteTableStatistics::CheckFor(const vector<column_t> &column_ids) {
	std::lock_guard<std::mutex> guard(lock_);
	vector<std::pair<idx_t, BaseStatistics>> checked;
	vector<std::string> names;
	for (idx_t i = 0; i < column_ids.size(); i++) {
		auto column = column_ids[i];
		if (column < reported_.size() && reported_[column]) {
			checked.emplace_back(i, columns_[column]->Copy());
			names.push_back(relation_.column_names[column]);
		}
	}
	if (checked.empty()) {
		return nullptr;
	}
	return make_uniq<StatisticsCheck>(QuoteIdentifier(relation_.schema) + "." + QuoteIdentifier(relation_.name),
	                                  std::move(names), std::move(checked));
}

} // namespace openduck
