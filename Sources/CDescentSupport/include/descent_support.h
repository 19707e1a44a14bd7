#ifndef DESCENT_SUPPORT_H
#define DESCENT_SUPPORT_H
// Small C helpers that Swift has no spelling for. Each is a hint or a query: none changes
// the arithmetic, so results stay the same on every CPU target.

/// Asks the CPU to bring the cache line holding `address` into L2 (__builtin_prefetch with
/// locality 2; prefetcht1 on x86-64, part of the baseline instruction set).
static inline void descent_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 2);
}

#include <errno.h>
#include <stdio.h>

/// Flushes standard output; returns 0 when everything written to it arrived, else the
/// errno of the failure (or EIO when the stream's error flag was set earlier).
static inline int descent_flush_stdout(void) {
    errno = 0;
    if (fflush(stdout) != 0) return errno ? errno : EIO;
    if (ferror(stdout)) return EIO;
    return 0;
}

/// Swaps the two paths atomically (Linux renameat2 with RENAME_EXCHANGE): both must exist.
/// Returns 0, or -1 with errno set (ENOSYS or EINVAL where the kernel or file system lacks
/// it; the caller then falls back to two renames).
int descent_exchange_paths(const char *a, const char *b);
#endif
