// The failpoint spec (common/failpoint.hpp): each action does what it says, and a malformed
// spec is refused with the item named rather than silently ignored.
#include "common/failpoint.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

using namespace openduck;

namespace {

class FailpointTest : public ::testing::Test {
protected:
	void TearDown() override {
		ConfigureFailpoints("");
	}
};

TEST_F(FailpointTest, CountedErrorsFailThenPass) {
	ConfigureFailpoints("unit.point=error*2");
	EXPECT_THROW(Failpoint("unit.point"), std::runtime_error);
	EXPECT_THROW(Failpoint("unit.point"), std::runtime_error);
	EXPECT_NO_THROW(Failpoint("unit.point"));
	EXPECT_NO_THROW(Failpoint("unit.other"));
}

TEST_F(FailpointTest, DelayWaitsAndPasses) {
	ConfigureFailpoints("unit.point=delay:60");
	auto started = std::chrono::steady_clock::now();
	EXPECT_NO_THROW(Failpoint("unit.point"));
	EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(60));
	started = std::chrono::steady_clock::now();
	Failpoint("unit.other");
	EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(60));
}

TEST_F(FailpointTest, MalformedSpecsAreRefused) {
	for (auto spec : {"a=error*0", "a=error*x", "a=delay:", "a=delay:-5", "a=delay:5ms", "a=sleep", "=error"}) {
		EXPECT_THROW(ConfigureFailpoints(spec), std::invalid_argument) << spec;
	}
}

} // namespace
