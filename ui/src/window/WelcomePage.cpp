#include "window/WelcomePage.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace netsight::ui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
    auto* title =
        new QLabel(tr("<h1>NetSight</h1><p style='font-size:12pt'>See what image classifiers use of "
                      "their input.</p>"),
                   this);
    auto* intro = new QLabel(
        tr("<p>The <b>signal probe</b> (Palacio et al., CVPR 2018) trains an autoencoder on the gradients of "
           "a "
           "frozen classifier. Its reconstructions show what the classifier keeps and what it ignores; "
           "swapping "
           "them between classifiers gives a transfer matrix, an order of classifiers, and how much signal "
           "each "
           "lets through (NMI).</p>"
           "<p>The demo runs it live on FactorWorld — synthetic objects with known shape, texture and colour "
           "— "
           "with four classifiers, two of them of known input use: one sees luminance only, one a blurred "
           "image. About two minutes on a laptop CPU.</p>"),
        this);
    intro->setWordWrap(true);
    intro->setMaximumWidth(640);
    auto* demo = new QPushButton(tr("Run the demo"), this);
    demo->setDefault(true);
    demo->setMinimumHeight(40);
    demo->setToolTip(tr("Create the demo experiment (or reopen it) and run the probe live"));
    auto* create = new QPushButton(tr("New experiment…"), this);
    auto* open = new QPushButton(tr("Open experiment…"), this);
    for (auto* button : {create, open})
        button->setMinimumHeight(32);
    recent_ = new QListWidget(this);
    recent_->setMaximumWidth(640);
    recent_->setToolTip(tr("Double-click to open"));

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(demo);
    buttons->addWidget(create);
    buttons->addWidget(open);
    buttons->addStretch();
    auto* column = new QVBoxLayout;
    column->addWidget(title);
    column->addWidget(intro);
    column->addSpacing(12);
    column->addLayout(buttons);
    column->addSpacing(20);
    column->addWidget(new QLabel(tr("<b>Recent experiments</b>"), this));
    column->addWidget(recent_, 1);
    auto* centred = new QHBoxLayout(this);
    centred->addStretch(1);
    centred->addLayout(column, 4);
    centred->addStretch(1);

    connect(demo, &QPushButton::clicked, this, &WelcomePage::demoRequested);
    connect(create, &QPushButton::clicked, this, &WelcomePage::newRequested);
    connect(open, &QPushButton::clicked, this, &WelcomePage::openRequested);
    connect(recent_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit recentChosen(item->data(Qt::UserRole).toString()); });
}

void WelcomePage::setRecent(const QStringList& directories) {
    recent_->clear();
    for (const auto& directory : directories) {
        auto* item = new QListWidgetItem(QFileInfo(directory).fileName() + "   —   " + directory, recent_);
        item->setData(Qt::UserRole, directory);
        item->setToolTip(directory);
    }
    if (directories.isEmpty()) {
        auto* item = new QListWidgetItem(tr("None yet: run the demo to start."), recent_);
        item->setFlags(Qt::NoItemFlags);
    }
}

}  // namespace netsight::ui
