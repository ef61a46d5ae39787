// Running executions by their client-chosen execution_id, so CancelExecution (which may arrive
// on another connection, or through the gateway) can interrupt them.
//
// Thread-safe. An Entry unregisters in its destructor; destroy it before the executor it names
// (Cancel runs under the registry lock, so it never touches a destroyed executor).
#pragma once

#include "worker/fragment_executor.hpp"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace openduck {

class ExecutionRegistry {
public:
	class Entry {
	public:
		Entry(ExecutionRegistry *registry, std::string id) : registry_(registry), id_(std::move(id)) {
		}
		~Entry();
		Entry(const Entry &) = delete;
		Entry &operator=(const Entry &) = delete;

	private:
		ExecutionRegistry *registry_;
		std::string id_;
	};

	// Registers `executor` under `id` until the returned entry is destroyed. nullptr when
	// another execution with that id is running. An empty id registers nothing (the execution
	// can then only be cancelled by its caller going away).
	std::unique_ptr<Entry> TryRegister(const std::string &id, FragmentExecutor &executor);

	// Interrupts the execution named `id`. False when none is running under that id.
	bool Cancel(const std::string &id);

private:
	std::mutex mutex_;
	std::map<std::string, FragmentExecutor *> running_;
};

} // namespace openduck
