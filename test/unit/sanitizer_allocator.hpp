// OPENDUCK_OWN_ALLOCATOR is defined when a sanitizer's allocator replaces glibc's heap (ASan):
// tests that measure glibc's heap skip themselves then.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define OPENDUCK_OWN_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OPENDUCK_OWN_ALLOCATOR 1
#endif
#endif
