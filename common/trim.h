// Gives memory freed after a burst (a big report, a page render) back to the
// system: glibc's malloc_trim. Not under AddressSanitizer, whose allocator
// replaces glibc's: malloc_trim would walk glibc arenas that were never set
// up (it crashed there, in the sanitizer CI stage).
#pragma once

#include <malloc.h>

namespace redundancy {

#if defined(__SANITIZE_ADDRESS__)
#define REDUNDANCY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REDUNDANCY_ASAN 1
#endif
#endif

inline void ReturnFreeMemory() {
#ifndef REDUNDANCY_ASAN
  malloc_trim(0);
#endif
}

}  // namespace redundancy
