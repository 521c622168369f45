// Names the calling thread (at most 15 characters, as the kernel keeps them), so `top -H`,
// `perf` and /proc/<pid>/task/*/comm tell the hub's threads apart. Names are "dx-<role>".
#pragma once

#include <pthread.h>

namespace docaxis {

inline void name_this_thread(const char* name) { (void)pthread_setname_np(pthread_self(), name); }

}  // namespace docaxis
