#include "extension/write/remote_ddl.hpp"

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/parser/constraints/unique_constraint.hpp"
#include "duckdb/planner/operator/logical_extension_operator.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

#include <functional>

namespace openduck {

using namespace duckdb;

namespace {

// Runs `apply` once, in the host's transaction, and returns no rows.
using ApplyDDL = std::function<void(ClientContext &)>;

class RemoteDDL : public PhysicalOperator {
public:
	RemoteDDL(PhysicalPlan &plan, ApplyDDL apply)
	    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, {LogicalType::BIGINT}, 1), apply_(std::move(apply)) {
	}

	bool IsSource() const override {
		return true;
	}

	SourceResultType GetData(ExecutionContext &context, DataChunk &chunk, OperatorSourceInput &input) const override {
		apply_(context.client);
		return SourceResultType::FINISHED;
	}

	std::string GetName() const override {
		return "OPENDUCK_DDL";
	}

private:
	ApplyDDL apply_;
};

class LogicalRemoteDDL : public LogicalExtensionOperator {
public:
	explicit LogicalRemoteDDL(ApplyDDL apply) : apply_(std::move(apply)) {
	}

	PhysicalOperator &CreatePlan(ClientContext &context, PhysicalPlanGenerator &planner) override {
		return planner.Make<RemoteDDL>(apply_);
	}

	void Serialize(Serializer &serializer) const override {
		throw NotImplementedException("DDL on an OpenDuck table cannot be serialized");
	}

protected:
	void ResolveTypes() override {
		types = {LogicalType::BIGINT};
	}

private:
	ApplyDDL apply_;
};

} // namespace

unique_ptr<LogicalOperator> BindRemoteCreateIndex(unique_ptr<CreateIndexInfo> info, TableCatalogEntry &table) {
	shared_ptr<CreateIndexInfo> shared_info(info.release());
	return make_uniq<LogicalRemoteDDL>([shared_info, &table](ClientContext &context) {
		table.schema.CreateIndex(table.catalog.GetCatalogTransaction(context), *shared_info, table);
	});
}

unique_ptr<LogicalOperator> BindRemoteAddKey(const AddConstraintInfo &info, TableCatalogEntry &table) {
	if (!info.constraint || info.constraint->type != ConstraintType::UNIQUE) {
		throw NotImplementedException("OpenDuck: ALTER TABLE %s ADD %s is not supported on remote tables",
		                              QuoteIdentifier(table.name),
		                              info.constraint ? info.constraint->ToString() : std::string("(nothing)"));
	}
	auto &key = info.constraint->Cast<UniqueConstraint>();
	std::string columns;
	for (auto &column : key.GetColumnNames()) {
		columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column);
	}
	auto sql = "ALTER TABLE " + QualifiedTableSQL(table) + " ADD " +
	           (key.IsPrimaryKey() ? "PRIMARY KEY" : "UNIQUE") + " (" + columns + ")";
	return make_uniq<LogicalRemoteDDL>(
	    [sql, &table](ClientContext &context) { table.catalog.Cast<ODCatalog>().ExecuteDDL(context, sql); });
}

} // namespace openduck
