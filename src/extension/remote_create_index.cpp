#include "extension/remote_create_index.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/planner/operator/logical_extension_operator.hpp"

namespace openduck {

using namespace duckdb;

namespace {

class RemoteCreateIndex : public PhysicalOperator {
public:
	RemoteCreateIndex(PhysicalPlan &plan, unique_ptr<CreateIndexInfo> info, TableCatalogEntry &table)
	    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, {LogicalType::BIGINT}, 1), info_(std::move(info)),
	      table_(table) {
	}

	bool IsSource() const override {
		return true;
	}

	SourceResultType GetData(ExecutionContext &context, DataChunk &chunk, OperatorSourceInput &input) const override {
		// IF NOT EXISTS travels with the statement: the worker knows its indexes.
		table_.schema.CreateIndex(table_.catalog.GetCatalogTransaction(context.client), *info_, table_);
		return SourceResultType::FINISHED;
	}

	std::string GetName() const override {
		return "OPENDUCK_CREATE_INDEX";
	}

private:
	unique_ptr<CreateIndexInfo> info_;
	TableCatalogEntry &table_;
};

class LogicalRemoteCreateIndex : public LogicalExtensionOperator {
public:
	LogicalRemoteCreateIndex(unique_ptr<CreateIndexInfo> info, TableCatalogEntry &table)
	    : info_(std::move(info)), table_(table) {
	}

	PhysicalOperator &CreatePlan(ClientContext &context, PhysicalPlanGenerator &planner) override {
		return planner.Make<RemoteCreateIndex>(std::move(info_), table_);
	}

	void Serialize(Serializer &serializer) const override {
		throw NotImplementedException("CREATE INDEX on an OpenDuck table cannot be serialized");
	}

protected:
	void ResolveTypes() override {
		types = {LogicalType::BIGINT};
	}

private:
	unique_ptr<CreateIndexInfo> info_;
	TableCatalogEntry &table_;
};

} // namespace

unique_ptr<LogicalOperator> BindRemoteCreateIndex(unique_ptr<CreateIndexInfo> info, TableCatalogEntry &table) {
	return make_uniq<LogicalRemoteCreateIndex>(std::move(info), table);
}

} // namespace openduck
