#ifndef GRIDWORK_CLINUX_SHIM_H
#define GRIDWORK_CLINUX_SHIM_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>

// Both are GNU extensions: declared here rather than defining _GNU_SOURCE, which would make
// these headers disagree with the Glibc module's view of the same types.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
extern int sched_getaffinity(pid_t pid, size_t cpusetsize, void *mask);

/// Names the calling thread (at most 15 bytes are kept), as `top -H` and `gdb` show it.
static inline void CLinux_setThreadName(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

/// The number of CPUs this process may run on (what `taskset` restricts).
static inline int CLinux_allowedCPUCount(void) {
    unsigned long long mask[16] = {0};
    if (sched_getaffinity(0, sizeof(mask), mask) != 0) {
        return 1;
    }
    int count = 0;
    for (int index = 0; index < 16; index++) {
        count += __builtin_popcountll(mask[index]);
    }
    return count > 0 ? count : 1;
}
#endif
#endif
