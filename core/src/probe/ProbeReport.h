#pragma once

#include <string>
#include <vector>

#include "netsight/experiment/ProbeSpec.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/probe/ProbeSummary.h"

namespace netsight::probe {

/// Writes results/transfer.csv, relative.csv, order.json, nmi.csv, nmi_summary.csv, summary.json and the
/// self-contained report.html (grid embedded). Returns the report's path.
std::string writeProbeResults(const std::string& directory, const experiment::ProbeSpec& spec,
                              const ProbeSummary& summary, const NmiTable& nmi, const std::string& gridPng);

}  // namespace netsight::probe
