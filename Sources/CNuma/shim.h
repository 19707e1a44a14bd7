#ifndef DESCENT_CNUMA_SHIM_H
#define DESCENT_CNUMA_SHIM_H
// libnuma (Debian: libnuma-dev) plus the raw mempolicy call, wrapped for Swift.
#include <numa.h>
#include <numaif.h>

/// The node that holds the page at `address`, or a negative errno.
/// Calls get_mempolicy(2) with MPOL_F_NODE | MPOL_F_ADDR.
static inline int cnuma_node_of_address(void *address) {
    int node = -1;
    long rc = get_mempolicy(&node, NULL, 0, address, MPOL_F_NODE | MPOL_F_ADDR);
    return rc == 0 ? node : -1;
}

#endif
