#ifndef DESCENT_SUPPORT_H
#define DESCENT_SUPPORT_H
// Small C helpers that Swift has no spelling for. Each is a hint, a query or an exact table
// lookup: none changes the arithmetic, so results stay the same on every CPU target.

/// Asks the CPU to bring the cache line holding `address` into L2 (__builtin_prefetch with
/// locality 2; prefetcht1 on x86-64, part of the baseline instruction set).
static inline void descent_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 2);
}

#include <stdint.h>
#include <string.h>

typedef uint64_t descent_u64x8 __attribute__((ext_vector_type(8)));
typedef uint32_t descent_u32x16 __attribute__((ext_vector_type(16)));

/// Entry `index & 15` of the 16-entry table `low` (entries 0-7) and `high` (8-15), lane by
/// lane: the table lookup of the kernels' exp. AVX-512 does it in one instruction
/// (vpermi2q); other targets read the lanes one by one. Either way the result is the table's
/// entry, bit for bit, so the target changes the speed only. (Swift's SIMD subscript by a
/// vector of indices compiles to eight scalar loads even on AVX-512.)
static inline descent_u64x8 descent_lookup16_u64(descent_u64x8 low, descent_u64x8 high, descent_u64x8 index) {
#if defined(__AVX512F__)
    typedef long long descent_v8di __attribute__((__vector_size__(64)));
    return (descent_u64x8)__builtin_ia32_vpermi2varq512((descent_v8di)low, (descent_v8di)index, (descent_v8di)high);
#else
    uint64_t table[16];
    memcpy(table, &low, sizeof low);
    memcpy(table + 8, &high, sizeof high);
    descent_u64x8 result;
    for (int lane = 0; lane < 8; lane++) result[lane] = table[index[lane] & 15];
    return result;
#endif
}

/// Entry `index & 15` of the 16-entry `table`, lane by lane (vpermd on AVX-512): the float32
/// counterpart of descent_lookup16_u64.
static inline descent_u32x16 descent_lookup16_u32(descent_u32x16 table, descent_u32x16 index) {
#if defined(__AVX512F__)
    typedef int descent_v16si __attribute__((__vector_size__(64)));
    return (descent_u32x16)__builtin_ia32_permvarsi512((descent_v16si)table, (descent_v16si)index);
#else
    uint32_t entries[16];
    memcpy(entries, &table, sizeof table);
    descent_u32x16 result;
    for (int lane = 0; lane < 16; lane++) result[lane] = entries[index[lane] & 15];
    return result;
#endif
}

typedef double descent_f64x8 __attribute__((ext_vector_type(8)));
typedef float descent_f32x16 __attribute__((ext_vector_type(16)));
typedef uint8_t descent_u8x8 __attribute__((ext_vector_type(8)));
typedef uint8_t descent_u8x16 __attribute__((ext_vector_type(16)));
typedef uint16_t descent_u16x8 __attribute__((ext_vector_type(8)));
typedef uint16_t descent_u16x16 __attribute__((ext_vector_type(16)));

/// Eight (sixteen) class indices of a packed label column, one or two bytes each, read from
/// `labels` (any alignment) and converted to floats: the labels as the loss kernels take
/// them. Small integers convert exactly, so every target gives the same values; AVX-512
/// does a load-and-widen (vpmovzx) and one conversion, where Swift's generic SIMD
/// conversion goes lane by lane.
#define DESCENT_LABEL_LOADER(name, narrow, wide, result)                                 \
    static inline result name(const void *labels) {                                      \
        narrow v;                                                                        \
        memcpy(&v, labels, sizeof v);                                                    \
        return __builtin_convertvector(__builtin_convertvector(v, wide), result);        \
    }
DESCENT_LABEL_LOADER(descent_labels_u8_f64, descent_u8x8, descent_u64x8, descent_f64x8)
DESCENT_LABEL_LOADER(descent_labels_u16_f64, descent_u16x8, descent_u64x8, descent_f64x8)
DESCENT_LABEL_LOADER(descent_labels_u8_f32, descent_u8x16, descent_u32x16, descent_f32x16)
DESCENT_LABEL_LOADER(descent_labels_u16_f32, descent_u16x16, descent_u32x16, descent_f32x16)
#undef DESCENT_LABEL_LOADER

#include <errno.h>
#include <stdio.h>

/// Writes `count` bytes to standard output through stdio's buffer (a failure sets the
/// stream's error flag, which descent_flush_stdout reports).
static inline void descent_write_stdout(const void *bytes, size_t count) {
    fwrite(bytes, 1, count, stdout);
}

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
