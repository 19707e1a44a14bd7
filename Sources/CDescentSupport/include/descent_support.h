#ifndef DESCENT_SUPPORT_H
#define DESCENT_SUPPORT_H
// Small C helpers that Swift has no spelling for. Each is a hint or a query: none changes
// the arithmetic, so results stay the same on every CPU target.

/// Asks the CPU to bring the cache line holding `address` into L2 (__builtin_prefetch with
/// locality 2; prefetcht1 on x86-64, part of the baseline instruction set).
static inline void descent_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 2);
}
#endif
