#pragma once

#include <string>
#include <vector>

namespace netsight::probe {

/// Classifier i ranks above j when i's reconstructions serve j better than j's serve i:
/// relative[i][j] > relative[j][i] (Palacio et al.).
struct ClassifierOrder {
    std::vector<std::vector<int>> wins;    ///< wins[i][j] = 1 if i beats j
    std::vector<int> score;                ///< pairwise wins of each classifier
    std::vector<int> ranking;              ///< classifier indices, best first (ties by index)
    bool total = true;                     ///< no cycle: the wins are a strict total order
    std::vector<std::vector<int>> cycles;  ///< 3-cycles i > j > k > i when not total
};

/// The order from the relative transfer matrix R (square: AE of classifier i x classifier j).
ClassifierOrder orderFromTransfer(const std::vector<std::vector<double>>& relative);

/// Kendall's tau-b between two score lists (ties handled); 0 when either is constant.
double kendallTau(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace netsight::probe
