#pragma once

// The first screen: run the demo, create or open an experiment, or pick a recent one.
#include <QWidget>

class QListWidget;

namespace netsight::ui {

class WelcomePage : public QWidget {
    Q_OBJECT
  public:
    explicit WelcomePage(QWidget* parent = nullptr);
    void setRecent(const QStringList& directories);

  signals:
    void demoRequested();
    void newRequested();
    void openRequested();
    void recentChosen(const QString& directory);

  private:
    QListWidget* recent_;
};

}  // namespace netsight::ui
