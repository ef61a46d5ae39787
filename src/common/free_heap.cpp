#include "common/free_heap.hpp"

#include <cstdlib> // defines __GLIBC__ when the C library is glibc

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace openduck {

bool ReturnFreeHeapPages() {
#ifdef __GLIBC__
	// Pad 0: also release the free pages inside every arena, not just their tops.
	return malloc_trim(0) == 1;
#else
	return false;
#endif
}

} // namespace openduck
