#ifndef DESCENT_CMPI_SHIM_H
#define DESCENT_CMPI_SHIM_H
// Open MPI's C API (Debian: libopenmpi-dev), for the MPI trait only.
//
// Open MPI's handles (MPI_COMM_WORLD, MPI_BYTE, MPI_SUM, MPI_IN_PLACE, ...) are macros that
// cast the address of a global object; Swift cannot import them, so each is wrapped in a
// static inline function named after it.
#include <mpi.h>

/// MPI_COMM_WORLD.
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
/// MPI_BYTE.
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
/// MPI_DOUBLE.
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
/// MPI_FLOAT.
static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
/// MPI_INT64_T.
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
/// MPI_UINT64_T.
static inline MPI_Datatype cmpi_uint64(void) { return MPI_UINT64_T; }
/// MPI_SUM.
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
/// MPI_MAX.
static inline MPI_Op cmpi_max(void) { return MPI_MAX; }
/// MPI_IN_PLACE.
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
/// MPI_MAX_PROCESSOR_NAME.
static inline int cmpi_max_processor_name(void) { return MPI_MAX_PROCESSOR_NAME; }
/// MPI_SUCCESS.
static inline int cmpi_success(void) { return MPI_SUCCESS; }
/// MPI_THREAD_FUNNELED: only the main thread calls MPI (the worker threads never do).
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }

#endif
