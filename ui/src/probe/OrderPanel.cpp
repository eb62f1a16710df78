#include "probe/OrderPanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/HeatmapWidget.h"

namespace netsight::ui {
namespace {

QTableWidgetItem* numberItem(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

}  // namespace

OrderPanel::OrderPanel(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    verdict_ = new QLabel(this);
    verdict_->setWordWrap(true);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    correlations_ = new QLabel(this);
    correlations_->setWordWrap(true);
    ranking_ = new QTableWidget(0, 5, this);
    ranking_->setHorizontalHeaderLabels(
        {tr("Rank"), tr("Classifier"), tr("Pairwise wins"), tr("Accuracy (originals)"), tr("Parameters")});
    ranking_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    ranking_->horizontalHeader()->setStretchLastSection(true);
    ranking_->verticalHeader()->setVisible(false);
    ranking_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    ranking_->setToolTip(
        tr("Classifier i ranks above j when the AE fine-tuned for i serves j better than "
           "the AE fine-tuned for j serves i: R[i][j] > R[j][i]"));
    relations_ = new QTableWidget(0, 6, this);
    relations_->setHorizontalHeaderLabels({tr("Relation"), tr("R[i][j] − R[j][i]"), tr("95% interval"),
                                           tr("p (Holm)"), tr("Replicas agreeing"), tr("Verdict")});
    relations_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    relations_->horizontalHeader()->setStretchLastSection(true);
    relations_->verticalHeader()->setVisible(false);
    relations_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    relations_->setToolTip(
        tr("Each relation's test combines which test images were drawn (bootstrap) and which fine-tuning "
           "run made each autoencoder (replicas); p is adjusted over all pairs (Holm)"));
    wins_ = new HeatmapWidget(this);
    wins_->setAxisTitles(tr("classifier i"), tr("beats classifier j (1) or not (0)"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(verdict_, 1);
    bar->addWidget(new ExportButton(
        "order", [this](const QString& path) { return exportWidget(wins_, path); }, [this] { return csv(); },
        this));
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(ranking_);
    splitter->addWidget(relations_);
    splitter->addWidget(wins_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(correlations_);
    layout->addWidget(splitter, 1);
    connect(session_, &ExperimentSession::resultsChanged, this, &OrderPanel::refresh);
    connect(session_, &ExperimentSession::closed, this, &OrderPanel::refresh);
    refresh();
}

QString OrderPanel::verdict() const {
    return verdict_->text();
}

void OrderPanel::refresh() {
    const auto& results = session_->results();
    ranking_->setRowCount(0);
    relations_->setRowCount(0);
    if (!results || !session_->isOpen()) {
        verdict_->setText(tr("No order yet: it needs the transfer matrix of a finished probe."));
        correlations_->clear();
        wins_->setMatrix({}, {}, {}, 0, 1, 0, {});
        return;
    }
    const auto& summary = results->summary;
    const auto& order = summary.order;
    auto name = [&](int index) { return QString::fromStdString(summary.classifiers[index]); };
    const auto& u = summary.uncertainty;
    QString text = QString::fromStdString(probe::orderVerdict(summary)).toHtmlEscaped();
    text = probe::orderEstablished(summary) ? "<b>" + text + "</b>"
                                            : "<b><span style='color:#c0392b'>" + text + "</span></b>";
    if (u.images > 0) {
        QStringList undecided;
        for (const auto& line : u.undecided(summary.classifiers))
            undecided << QString::fromStdString(line).toHtmlEscaped();
        if (!undecided.isEmpty()) text += tr("<br>Undecided: %1.").arg(undecided.join("; "));
        if (!u.total && u.replicas == 1)
            text +=
                tr(" With one fine-tuning run per classifier, run-to-run variation is not measured: set "
                   "evaluation.replicas to 3.");
    }
    verdict_->setText(text);
    if (u.images > 0) {
        for (const auto& relation : u.relations) {
            const int row = relations_->rowCount();
            relations_->insertRow(row);
            const probe::Interval margin = relation.margin();
            relations_->setItem(
                row, 0, new QTableWidgetItem(name(relation.above()) + " > " + name(relation.below())));
            relations_->setItem(row, 1, numberItem(QString::number(margin.estimate, 'f', 3)));
            relations_->setItem(
                row, 2,
                numberItem(QString("[%1, %2]").arg(margin.low, 0, 'f', 3).arg(margin.high, 0, 'f', 3)));
            relations_->setItem(row, 3, numberItem(QString::number(relation.adjustedP, 'g', 2)));
            relations_->setItem(
                row, 4, numberItem(tr("%1 of %2").arg(relation.replicasAgreeing).arg(relation.replicas)));
            auto* verdict = new QTableWidgetItem(relation.significant ? tr("significant") : tr("undecided"));
            if (!relation.significant) verdict->setForeground(QColor(192, 57, 43));
            relations_->setItem(row, 5, verdict);
        }
    }
    QString tau = tr("Kendall τ of the order's scores with accuracy on the originals: <b>%1</b>")
                      .arg(summary.tauAccuracy, 0, 'f', 2);
    if (u.images > 0)
        tau += QString(" [%1, %2]").arg(u.tauAccuracy.low, 0, 'f', 2).arg(u.tauAccuracy.high, 0, 'f', 2);
    tau += tr("; with parameter count: <b>%1</b>").arg(summary.tauParameters, 0, 'f', 2);
    if (u.images > 0)
        tau += QString(" [%1, %2]").arg(u.tauParameters.low, 0, 'f', 2).arg(u.tauParameters.high, 0, 'f', 2);
    correlations_->setText(tau + ".");
    const QLocale locale;
    for (std::size_t rank = 0; rank < order.ranking.size(); ++rank) {
        const int index = order.ranking[rank];
        const int row = ranking_->rowCount();
        ranking_->insertRow(row);
        ranking_->setItem(row, 0, numberItem(QString::number(rank + 1)));
        ranking_->setItem(row, 1, new QTableWidgetItem(name(index)));
        ranking_->setItem(row, 2, numberItem(QString::number(order.score[index])));
        ranking_->setItem(row, 3, numberItem(QString::number(summary.accuracy[0][index], 'f', 3)));
        ranking_->setItem(
            row, 4, numberItem(locale.toString(static_cast<qlonglong>(summary.parameterCounts[index]))));
    }
    QStringList names;
    for (std::size_t i = 0; i < summary.classifiers.size(); ++i)
        names << name(static_cast<int>(i));
    QVector<QVector<double>> wins;
    for (const auto& row : order.wins)
        wins.push_back(QVector<double>(row.begin(), row.end()));
    wins_->setMatrix(names, names, wins, 0, 1, 0, tr("wins"));
    wins_->setTooltip([summary, names](int i, int j) {
        if (i == j) return names[i];
        return tr("R[%1][%2] = %3, R[%2][%1] = %4")
            .arg(names[i], names[j])
            .arg(summary.relative[2 + i][j], 0, 'f', 3)
            .arg(summary.relative[2 + j][i], 0, 'f', 3);
    });
}

QString OrderPanel::csv() const {
    QString text = "rank,classifier,wins,accuracy,parameters\n";
    for (int row = 0; row < ranking_->rowCount(); ++row) {
        QStringList fields;
        for (int column = 0; column < 5; ++column)
            fields << ranking_->item(row, column)->text().remove(QLocale().groupSeparator());
        text += fields.join(',') + "\n";
    }
    return text;
}

}  // namespace netsight::ui
