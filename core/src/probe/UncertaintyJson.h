#pragma once

// The probe's intervals and relation tests as JSON (summary.json, order.json), and back (internal to core).
#include <nlohmann/json.hpp>

#include "netsight/probe/Uncertainty.h"

namespace netsight::probe {

nlohmann::json intervalJson(const Interval& interval);
nlohmann::json relationJson(const RelationTest& relation, const std::vector<std::string>& classifiers);
nlohmann::json uncertaintyJson(const ProbeUncertainty& uncertainty,
                               const std::vector<std::string>& classifiers);
/// Throws nlohmann::json::exception for a damaged document.
ProbeUncertainty uncertaintyFromJson(const nlohmann::json& document);

}  // namespace netsight::probe
