#include "extension/scan/one_snapshot_per_statement.hpp"

#include "duckdb/main/client_context.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/client/setting_value.hpp"

#include <map>
#include <vector>

namespace openduck {

using namespace duckdb;

namespace {

// The remote reads of the plan, by the database they read.
void CollectRemoteReads(LogicalOperator &op, std::map<ODCatalog *, std::vector<RemoteReadBindData *>> &reads) {
	if (op.type == LogicalOperatorType::LOGICAL_GET) {
		auto &get = op.Cast<LogicalGet>();
		bool remote = get.function.name == "openduck_scan" || get.function.name == "openduck_query";
		if (remote && get.bind_data) {
			auto &bind = get.bind_data->Cast<RemoteReadBindData>();
			if (!bind.time_travel) {
				reads[bind.catalog].push_back(&bind);
			}
		}
	}
	for (auto &child : op.children) {
		CollectRemoteReads(*child, reads);
	}
}

void PostOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	if (!SettingValue<bool>(input.context, kStatementSnapshotSetting, true)) {
		return;
	}
	std::map<ODCatalog *, std::vector<RemoteReadBindData *>> reads;
	CollectRemoteReads(*plan, reads);
	for (auto &entry : reads) {
		if (entry.second.size() > 1) {
			for (auto *bind : entry.second) {
				bind->shares_snapshot = true;
			}
		}
	}
}

} // namespace

OptimizerExtension OneSnapshotPerStatementExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
