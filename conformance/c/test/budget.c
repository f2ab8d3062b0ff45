/* The adapter's optional `budget` operation (conformance/README.md, "Budgets as results"): the figures
 * of the device build, measured by `make build/budget.h` (size at -Os, the firmware's static RAM,
 * sizeof the per-peer state, and whether any object calls an allocator), not of the adapter's own
 * wider test build. */
#include <stdio.h>
#include "budget.h"

int sw_adapter_budget(char *buf, size_t cap) {
  return snprintf(buf, cap,
                  "\"codeBytes\":%d,\"ramPerPeerBytes\":%d,\"ramNodeBytes\":%d,\"allocatesOnDataPath\":%s,\"build\":\"%s\"",
                  SW_BUDGET_CODE, SW_BUDGET_RAM_PEER, SW_BUDGET_RAM_NODE, SW_BUDGET_ALLOC ? "true" : "false", SW_BUDGET_BUILD);
}
