#include "factors/FactorResults.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "widgets/Export.h"
#include "widgets/ImageListView.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

// Layer names along the x axis, slanted.
void layerTicks(QCustomPlot* plot, const std::vector<factors::LayerInfo>& layers) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (std::size_t l = 0; l < layers.size(); ++l)
        ticker->addTick(static_cast<double>(l), QString::fromStdString(layers[l].layer));
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(40);
    plot->xAxis->setRange(-0.5, static_cast<double>(layers.size()) - 0.5);
}

QCPGraph* addLine(QCustomPlot* plot, const QString& name, int colour, const QVector<double>& x,
                  const QVector<double>& y, bool dashed = false) {
    QCPGraph* graph = plot->addGraph();
    graph->setName(name);
    QPen pen(seriesColour(colour), 2);
    if (dashed) pen.setStyle(Qt::DashLine);
    graph->setPen(pen);
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    graph->setData(x, y);
    return graph;
}

void finishPlot(QCustomPlot* plot, double yMinimum = 0) {
    double top = 1e-3;
    for (int g = 0; g < plot->plottableCount(); ++g) {  // graphs and bars
        bool found = false;
        const QCPRange range = plot->plottable(g)->getValueRange(found);
        if (found) top = std::max(top, range.upper);
    }
    plot->yAxis->setRange(yMinimum, top * 1.08);
    plot->replot();
}

}  // namespace

FactorResults::FactorResults(QWidget* parent) : QTabWidget(parent) {
    decisionPlot_ = titledPlot(tr("What the decision carries"), QString(), tr("bits"), this);
    withoutLegend(decisionPlot_);
    depthPlot_ = titledPlot(tr("Information across depth"), tr("layer"), tr("bits (mean over units)"), this);
    statistic_ = new QComboBox(this);
    statistic_->addItems(
        {tr("Mean MI per unit"), tr("Largest MI of a unit"), tr("Share of informative units")});
    invariancePlot_ = titledPlot(tr("Invariance to pose"), tr("layer"), tr("bits (mean over units)"), this);
    morphPlot_ = titledPlot(tr("Generalization gradients"), tr("morph distance towards another identity"),
                            tr("p(original identity)"), this);
    maps_ = new ImageListView(this);
    auto* depthPage = new QWidget(this);
    auto* depthLayout = new QVBoxLayout(depthPage);
    depthLayout->setContentsMargins(0, 0, 0, 0);
    depthLayout->addWidget(statistic_, 0, Qt::AlignLeft);
    depthLayout->addWidget(
        withExport(depthPlot_,
                   new ExportButton(
                       "mi_by_depth", [this](const QString& path) { return exportPlot(depthPlot_, path); },
                       [this] { return csv(factors::FactorTable::Layers); }, this),
                   this),
        1);
    auto* mapsPage = new QWidget(this);
    auto* mapsLayout = new QVBoxLayout(mapsPage);
    auto* mapsNote =
        new QLabel(tr("Reverse correlation: each render under noise; the map is mid-grey plus the "
                      "correlation of each cell's noise (per colour channel) with the identity's "
                      "logit margin — brighter or coloured cells push towards the identity."),
                   this);
    mapsNote->setWordWrap(true);
    auto* saveMaps = new QPushButton(tr("Save maps…"), this);
    mapsStatus_ = new QLabel(this);
    mapsLayout->addWidget(mapsNote);
    mapsLayout->addWidget(maps_, 1);
    auto* mapsBar = new QHBoxLayout;
    mapsBar->addWidget(mapsStatus_, 1);
    mapsBar->addWidget(saveMaps);
    mapsLayout->addLayout(mapsBar);

    addTab(withExport(decisionPlot_,
                      new ExportButton(
                          "decision", [this](const QString& path) { return exportPlot(decisionPlot_, path); },
                          [this] { return csv(factors::FactorTable::Decision); }, this),
                      this),
           tr("Decision"));
    addTab(depthPage, tr("Layers"));
    addTab(withExport(
               invariancePlot_,
               new ExportButton(
                   "invariance", [this](const QString& path) { return exportPlot(invariancePlot_, path); },
                   [this] { return csv(factors::FactorTable::Invariance); }, this),
               this),
           tr("Invariance"));
    addTab(
        withExport(morphPlot_,
                   new ExportButton(
                       "generalization", [this](const QString& path) { return exportPlot(morphPlot_, path); },
                       [this] { return csv(factors::FactorTable::Morphs); }, this),
                   this),
        tr("Shape or texture"));
    addTab(mapsPage, tr("Classification images"));

    connect(saveMaps, &QPushButton::clicked, this,
            [this] { mapsStatus_->setText(maps_->saveMontage("classification_images")); });
    connect(statistic_, &QComboBox::currentIndexChanged, this, &FactorResults::showDepth);
}

void FactorResults::setReport(const factors::FactorReport& report) {
    report_ = report;
    for (auto* plot : {decisionPlot_, invariancePlot_, morphPlot_})
        plot->clearPlottables();
    maps_->clear();
    if (report_.layers.empty()) {
        depthPlot_->clearPlottables();
        for (auto* plot : {decisionPlot_, depthPlot_, invariancePlot_, morphPlot_})
            plot->replot();
        return;
    }
    // Decision.
    auto* bars = new QCPBars(decisionPlot_->xAxis, decisionPlot_->yAxis);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (std::size_t i = 0; i < report_.decision.size(); ++i) {
        bars->addData(static_cast<double>(i), report_.decision[i].bits);
        ticker->addTick(static_cast<double>(i), QString::fromStdString(report_.decision[i].factor));
    }
    bars->setBrush(seriesColour(0));
    bars->setPen(Qt::NoPen);
    decisionPlot_->xAxis->setTicker(ticker);
    decisionPlot_->xAxis->setTickLabelRotation(40);
    decisionPlot_->xAxis->setRange(-0.6, static_cast<double>(report_.decision.size()) - 0.4);
    finishPlot(decisionPlot_);
    showDepth();
    // Invariance.
    QVector<double> x, pose, identity;
    for (std::size_t l = 0; l < report_.layers.size(); ++l) {
        x << static_cast<double>(l);
        pose << report_.layers[l].poseBits;
        identity << report_.layers[l].identityGivenPoseBits;
    }
    addLine(invariancePlot_, tr("I(unit; identity | pose)"), 0, x, identity);
    addLine(invariancePlot_, tr("I(unit; pose)"), 1, x, pose, true);
    layerTicks(invariancePlot_, report_.layers);
    finishPlot(invariancePlot_);
    // Generalization gradients with ± standard error.
    for (std::size_t m = 0; m < report_.morphs.size(); ++m) {
        const auto& curve = report_.morphs[m];
        QCPGraph* graph =
            addLine(morphPlot_, tr("%1 only").arg(QString::fromStdString(curve.kind)), static_cast<int>(m),
                    QVector<double>(curve.distance.begin(), curve.distance.end()),
                    QVector<double>(curve.probability.begin(), curve.probability.end()));
        auto* errors = new QCPErrorBars(morphPlot_->xAxis, morphPlot_->yAxis);
        errors->setDataPlottable(graph);
        errors->setData(QVector<double>(curve.standardError.begin(), curve.standardError.end()));
        errors->setPen(QPen(seriesColour(static_cast<int>(m)), 1));
        errors->removeFromLegend();
    }
    morphPlot_->xAxis->setRange(-0.02, 1.02);
    morphPlot_->yAxis->setRange(0, 1.02);
    morphPlot_->replot();
    // Classification images.
    for (const auto& image : report_.classificationImages) {
        const QString name = QString::fromStdString(image.className);
        maps_->addImage(image.base, name);
        maps_->addImage(factors::correlationPicture(image),
                        tr("%1: map (%2x noise)").arg(name).arg(factors::signalToNoise(image), 0, 'f', 1));
    }
}

void FactorResults::showDepth() {
    depthPlot_->clearPlottables();
    if (report_.layers.empty()) {
        depthPlot_->replot();
        return;
    }
    const int which = statistic_->currentIndex();
    const auto& factors = report_.layers.front().factors;
    for (std::size_t f = 0; f < factors.size(); ++f) {
        QVector<double> x, y;
        for (std::size_t l = 0; l < report_.layers.size(); ++l) {
            const auto& layer = report_.layers[l];
            x << static_cast<double>(l);
            y << (which == 0 ? layer.meanBits[f] : which == 1 ? layer.maxBits[f] : layer.informativeShare[f]);
        }
        addLine(depthPlot_, QString::fromStdString(factors[f]), static_cast<int>(f), x, y,
                factors[f] == "pose");
    }
    depthPlot_->yAxis->setLabel(which == 2 ? tr("share of units above the shuffled 99th percentile")
                                           : tr("bits"));
    layerTicks(depthPlot_, report_.layers);
    finishPlot(depthPlot_);
}

QString FactorResults::csv(factors::FactorTable table) const {
    return QString::fromStdString(factors::factorCsv(report_, table));
}

}  // namespace netsight::ui
