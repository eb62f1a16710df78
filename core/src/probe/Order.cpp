#include "netsight/probe/Order.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace netsight::probe {

ClassifierOrder orderFromTransfer(const std::vector<std::vector<double>>& relative) {
    const std::size_t n = relative.size();
    for (const auto& row : relative)
        if (row.size() != n) throw std::invalid_argument("the relative transfer matrix must be square");
    ClassifierOrder order;
    order.wins.assign(n, std::vector<int>(n, 0));
    order.score.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (i != j && relative[i][j] > relative[j][i]) {
                order.wins[i][j] = 1;
                ++order.score[i];
            }
    order.ranking.resize(n);
    std::iota(order.ranking.begin(), order.ranking.end(), 0);
    std::stable_sort(order.ranking.begin(), order.ranking.end(),
                     [&](int a, int b) { return order.score[a] > order.score[b]; });
    // A complete tournament is a total order exactly when it has no 3-cycle; ties (equal R both
    // ways) leave a pair unordered, which also breaks totality.
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            if (!order.wins[i][j] && !order.wins[j][i]) order.total = false;
            for (std::size_t k = 0; k < n; ++k) {
                if (k == i || k == j) continue;
                const bool forward = order.wins[i][j] && order.wins[j][k] && order.wins[k][i];
                const bool backward = order.wins[j][i] && order.wins[i][k] && order.wins[k][j];
                if ((forward || backward) && k > i) {  // each 3-cycle once: i is its smallest index
                    if (forward)
                        order.cycles.push_back({int(i), int(j), int(k)});
                    else
                        order.cycles.push_back({int(i), int(k), int(j)});
                }
            }
        }
    std::sort(order.cycles.begin(), order.cycles.end());
    order.cycles.erase(std::unique(order.cycles.begin(), order.cycles.end()), order.cycles.end());
    if (!order.cycles.empty()) order.total = false;
    return order;
}

double kendallTau(const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) throw std::invalid_argument("kendallTau: lists of different lengths");
    double concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
        for (std::size_t j = i + 1; j < x.size(); ++j) {
            const double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0) continue;
            if (dx == 0)
                ++tiesX;
            else if (dy == 0)
                ++tiesY;
            else if ((dx > 0) == (dy > 0))
                ++concordant;
            else
                ++discordant;
        }
    const double denominator =
        std::sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
    return denominator > 0 ? (concordant - discordant) / denominator : 0.0;
}

}  // namespace netsight::probe
