// The probe's intervals and relation tests as JSON (summary.json, order.json), and back.
#include "probe/UncertaintyJson.h"

namespace netsight::probe {

using nlohmann::json;

json intervalJson(const Interval& interval) {
    return {interval.estimate, interval.low, interval.high};
}

namespace {

Interval intervalFrom(const json& value) {
    return {value.at(0).get<double>(), value.at(1).get<double>(), value.at(2).get<double>()};
}

json intervalMatrix(const std::vector<std::vector<Interval>>& matrix) {
    json rows = json::array();
    for (const auto& row : matrix) {
        json cells = json::array();
        for (const auto& cell : row)
            cells.push_back(intervalJson(cell));
        rows.push_back(cells);
    }
    return rows;
}

std::vector<std::vector<Interval>> intervalMatrixFrom(const json& value) {
    std::vector<std::vector<Interval>> matrix;
    for (const auto& row : value) {
        matrix.emplace_back();
        for (const auto& cell : row)
            matrix.back().push_back(intervalFrom(cell));
    }
    return matrix;
}

json intervalList(const std::vector<Interval>& list) {
    json values = json::array();
    for (const auto& interval : list)
        values.push_back(intervalJson(interval));
    return values;
}

std::vector<Interval> intervalListFrom(const json& value) {
    std::vector<Interval> list;
    for (const auto& item : value)
        list.push_back(intervalFrom(item));
    return list;
}

}  // namespace

json relationJson(const RelationTest& relation, const std::vector<std::string>& classifiers) {
    return {{"above", classifiers.at(static_cast<std::size_t>(relation.above()))},
            {"below", classifiers.at(static_cast<std::size_t>(relation.below()))},
            {"i", relation.i},
            {"j", relation.j},
            {"difference", intervalJson(relation.difference)},
            {"degrees_of_freedom", relation.degreesOfFreedom},
            {"p", relation.pValue},
            {"p_holm", relation.adjustedP},
            {"significant", relation.significant},
            {"replicas_agreeing", relation.replicasAgreeing},
            {"replicas", relation.replicas}};
}

json uncertaintyJson(const ProbeUncertainty& u, const std::vector<std::string>& classifiers) {
    json relations = json::array();
    for (const auto& relation : u.relations)
        relations.push_back(relationJson(relation, classifiers));
    return {{"replicas", u.replicas},
            {"images", u.images},
            {"bootstrap", u.bootstrap},
            {"alpha", u.alpha},
            {"accuracy", intervalMatrix(u.accuracy)},
            {"relative", intervalMatrix(u.relative)},
            {"accuracy_replica_sd", u.accuracySpread},
            {"nmi_intra_median", intervalList(u.nmiIntraMedian)},
            {"nmi_inter_median", intervalList(u.nmiInterMedian)},
            {"nmi_intra_replica_sd", u.nmiIntraSpread},
            {"nmi_inter_replica_sd", u.nmiInterSpread},
            {"kendall_tau_accuracy", intervalJson(u.tauAccuracy)},
            {"kendall_tau_parameters", intervalJson(u.tauParameters)},
            {"relations", relations},
            {"total", u.total}};
}

ProbeUncertainty uncertaintyFromJson(const json& d) {
    ProbeUncertainty u;
    d.at("replicas").get_to(u.replicas);
    d.at("images").get_to(u.images);
    d.at("bootstrap").get_to(u.bootstrap);
    d.at("alpha").get_to(u.alpha);
    u.accuracy = intervalMatrixFrom(d.at("accuracy"));
    u.relative = intervalMatrixFrom(d.at("relative"));
    d.at("accuracy_replica_sd").get_to(u.accuracySpread);
    u.nmiIntraMedian = intervalListFrom(d.at("nmi_intra_median"));
    u.nmiInterMedian = intervalListFrom(d.at("nmi_inter_median"));
    d.at("nmi_intra_replica_sd").get_to(u.nmiIntraSpread);
    d.at("nmi_inter_replica_sd").get_to(u.nmiInterSpread);
    u.tauAccuracy = intervalFrom(d.at("kendall_tau_accuracy"));
    u.tauParameters = intervalFrom(d.at("kendall_tau_parameters"));
    for (const auto& item : d.at("relations")) {
        RelationTest relation;
        item.at("i").get_to(relation.i);
        item.at("j").get_to(relation.j);
        relation.difference = intervalFrom(item.at("difference"));
        item.at("degrees_of_freedom").get_to(relation.degreesOfFreedom);
        item.at("p").get_to(relation.pValue);
        item.at("p_holm").get_to(relation.adjustedP);
        item.at("significant").get_to(relation.significant);
        item.at("replicas_agreeing").get_to(relation.replicasAgreeing);
        item.at("replicas").get_to(relation.replicas);
        u.relations.push_back(relation);
    }
    d.at("total").get_to(u.total);
    return u;
}

}  // namespace netsight::probe
