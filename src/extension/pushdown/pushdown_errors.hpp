// Which failures of a pushdown attempt mean "the worker cannot run this part as SQL" (keep the
// local plan, which reports any real error itself) and which must reach the user: an interrupt
// or a lost connection while describing a statement is not a reason to run it differently,
// and silently re-running it on the host would hide the failure and could cost far more.
#pragma once

#include <exception>

namespace openduck {

// Rethrows `error` unless it says the statement cannot be shipped (a parser, binder, catalog,
// permission or not-implemented error from the worker, or an invalid-input error at bind time).
void RethrowUnlessCannotShip(const std::exception &error);

} // namespace openduck
