#pragma once

#include <QMainWindow>

namespace netsight::ui {

class DataPanel;

/// NetSight's main window. Panels are tabs, each its own class.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    DataPanel* dataPanel() const { return dataPanel_; }

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    DataPanel* dataPanel_;
};

}  // namespace netsight::ui
