#pragma once
// The process-wide LibOS behind the C API, for in-tree users that need a call the C ABI does not
// offer (the preload library's half-close). nullptr before sl_init and after sl_fini.
#include "libos/libos.hpp"

namespace sluice::libos {

LibOS* process_libos();
/** Forgets the process's LibOS without destroying it. For a forked child: the device, its queue
 *  and XDP program belong to the parent, so the child's exit must not close them. */
void abandon_process_libos();

}  // namespace sluice::libos
