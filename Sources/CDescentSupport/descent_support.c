// The helpers are static inline in the header; this file gives the target a translation unit.
#include "descent_support.h"
