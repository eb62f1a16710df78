#include "netsight/ui/DataPanel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>
#include <exception>

#include "netsight/data/ContactSheet.h"
#include "netsight/data/Dataset.h"
#include "netsight/ui/ExperimentSession.h"
#include "widgets/ImageConversion.h"

namespace netsight::ui {
namespace {

QString describe(const data::Dataset& dataset) {
    const data::DatasetInfo& info = dataset.info();
    QString text = QString(
                       "<b>%1</b><br>images %2 &nbsp; · &nbsp; train %3 &nbsp; val %4 &nbsp; test %5 &nbsp; "
                       "· &nbsp; %6 classes")
                       .arg(QString::fromStdString(info.name).toHtmlEscaped(),
                            QString::fromStdString(data::toString(info.shape)))
                       .arg(dataset.size(data::Split::Train))
                       .arg(dataset.size(data::Split::Validation))
                       .arg(dataset.size(data::Split::Test))
                       .arg(info.classNames.size());
    if (!info.factorNames.empty())
        text += QString(" &nbsp; · &nbsp; %1 known factors").arg(info.factorNames.size());
    for (const auto& warning : info.warnings)
        text += "<br><span style='color:#b36b00'>⚠ " + QString::fromStdString(warning).toHtmlEscaped() +
                "</span>";
    return text;
}

}  // namespace

DataPanel::DataPanel(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    sourceEdit_ = new QLineEdit("factorworld", this);
    sourceEdit_->setToolTip(QString::fromStdString(data::sourceHelp()));
    sourceEdit_->setPlaceholderText("factorworld, fashion-mnist, folder:DIR, cifar10:DIR, mnist:DIR ...");
    loadButton_ = new QPushButton(tr("&Open"), this);
    loadButton_->setToolTip(tr("Open the data source (Enter)"));
    splitBox_ = new QComboBox(this);
    splitBox_->addItem(tr("train"), static_cast<int>(data::Split::Train));
    splitBox_->addItem(tr("validation"), static_cast<int>(data::Split::Validation));
    splitBox_->addItem(tr("test"), static_cast<int>(data::Split::Test));
    classBox_ = new QComboBox(this);
    classBox_->setMinimumContentsLength(14);
    countBox_ = new QSpinBox(this);
    countBox_->setRange(8, 1024);
    countBox_->setValue(96);
    countBox_->setSingleStep(8);
    countBox_->setToolTip(tr("How many images the sheet shows"));
    saveButton_ = new QPushButton(tr("Save PNG…"), this);
    saveButton_->setEnabled(false);

    auto* sourceRow = new QHBoxLayout;
    sourceRow->addWidget(new QLabel(tr("Source:"), this));
    sourceRow->addWidget(sourceEdit_, 1);
    sourceRow->addWidget(loadButton_);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Split:"), this));
    filterRow->addWidget(splitBox_);
    filterRow->addWidget(new QLabel(tr("Class:"), this));
    filterRow->addWidget(classBox_);
    filterRow->addWidget(new QLabel(tr("Images:"), this));
    filterRow->addWidget(countBox_);
    filterRow->addStretch(1);
    filterRow->addWidget(saveButton_);

    summaryLabel_ = new QLabel(this);
    summaryLabel_->setTextFormat(Qt::RichText);
    summaryLabel_->setWordWrap(true);
    summaryLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLabel_ = new QLabel(this);
    errorLabel_->setWordWrap(true);
    errorLabel_->setStyleSheet("color: #c62828;");
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLabel_->hide();
    sheetLabel_ = new QLabel(this);
    sheetLabel_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    scroll_ = new QScrollArea(this);
    scroll_->setWidget(sheetLabel_);
    scroll_->setWidgetResizable(true);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(sourceRow);
    layout->addLayout(filterRow);
    layout->addWidget(summaryLabel_);
    layout->addWidget(errorLabel_);
    layout->addWidget(scroll_, 1);

    connect(loadButton_, &QPushButton::clicked, this, &DataPanel::load);
    connect(sourceEdit_, &QLineEdit::returnPressed, this, &DataPanel::load);
    connect(splitBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, &DataPanel::showSheet);
    connect(classBox_, qOverload<int>(&QComboBox::currentIndexChanged), this, &DataPanel::showSheet);
    connect(countBox_, qOverload<int>(&QSpinBox::valueChanged), this, &DataPanel::showSheet);
    connect(saveButton_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save contact sheet"), "contact-sheet.png",
                                                          tr("PNG images (*.png)"));
        if (!path.isEmpty()) saveSheet(path);
    });
}

DataPanel::~DataPanel() = default;

QString DataPanel::source() const {
    return sourceEdit_->text().trimmed();
}
void DataPanel::setSource(const QString& source) {
    sourceEdit_->setText(source);
}
QString DataPanel::summary() const {
    return summaryLabel_->text();
}
QImage DataPanel::sheet() const {
    return sheet_;
}

void DataPanel::setBusy(bool busy) {
    loadButton_->setEnabled(!busy);
    setCursor(busy ? Qt::BusyCursor : Qt::ArrowCursor);
}

void DataPanel::showError(const QString& message) {
    errorLabel_->setText(message);
    errorLabel_->show();
    emit failed(message);
}

void DataPanel::load() {
    const int generation = ++generation_;
    const std::string text = source().toStdString();
    errorLabel_->hide();
    setBusy(true);
    const bool started = session_->query<std::shared_ptr<const data::Dataset>>(
        tr("open %1").arg(source()), this,
        [text](runtime::JobContext& job) {
            return std::shared_ptr<const data::Dataset>(
                data::openDataset(text, runtime::dataOpenOptions(job)));
        },
        [this, generation](std::shared_ptr<const data::Dataset> dataset) {
            if (generation != generation_) return;
            setBusy(false);
            dataset_ = std::move(dataset);
            summaryLabel_->setText(describe(*dataset_));
            const QSignalBlocker blocker(classBox_);
            classBox_->clear();
            classBox_->addItem(tr("all classes"), -1);
            const auto& names = dataset_->info().classNames;
            for (std::size_t c = 0; c < names.size(); ++c)
                classBox_->addItem(QString("%1 · %2").arg(c).arg(QString::fromStdString(names[c])),
                                   static_cast<int>(c));
            emit loaded();
            showSheet();
        },
        [this, generation](const QString& message) {
            if (generation != generation_) return;
            setBusy(false);
            showError(message);
        });
    if (!started) {
        setBusy(false);
        showError(session_->error());
    }
}

void DataPanel::showSheet() {
    if (!dataset_) return;
    const int generation = ++generation_;
    data::ContactSheetOptions options;
    options.count = static_cast<std::size_t>(countBox_->value());
    options.columns = 8;
    options.classFilter = classBox_->currentData().isValid() ? classBox_->currentData().toInt() : -1;
    const auto split = static_cast<data::Split>(splitBox_->currentData().toInt());
    auto dataset = dataset_;
    session_->query<data::RgbBuffer>(
        tr("contact sheet"), this,
        [dataset, split, options](runtime::JobContext&) {
            return data::contactSheet(*dataset, split, options);
        },
        [this, generation](data::RgbBuffer image) {
            if (generation != generation_) return;
            sheet_ = toQImage(image);
            sheetLabel_->setPixmap(QPixmap::fromImage(sheet_));
            saveButton_->setEnabled(true);
            emit sheetShown();
        },
        [this, generation](const QString& message) {
            if (generation == generation_) showError(message);
        });
}

bool DataPanel::saveSheet(const QString& path) {
    if (sheet_.isNull() || !sheet_.save(path, "PNG")) {
        showError(tr("Could not write %1: check that the folder exists and is writable.").arg(path));
        return false;
    }
    return true;
}

}  // namespace netsight::ui
