# Fails if ui/ runs work beside core's job system: a QtConcurrent include or call, a QThreadPool, a
# std::thread or std::async, or a link to Qt's Concurrent module. Long and blocking work goes to the
# session's lanes (ExperimentSession::submitJob / query), where it has progress, cancel and a Jobs row.
file(GLOB_RECURSE sources "${UI_DIR}/*.h" "${UI_DIR}/*.cpp")
set(offenders "")
foreach(file IN LISTS sources)
  file(STRINGS "${file}" lines REGEX "QtConcurrent|QThreadPool|std::thread|std::async|QFutureWatcher")
  if(lines)
    list(APPEND offenders "${file}: ${lines}")
  endif()
endforeach()
if(offenders)
  message(FATAL_ERROR "ui/ runs work outside core's job system:\n${offenders}")
endif()
if(UI_LINKS MATCHES "Concurrent")
  message(FATAL_ERROR "netsight::ui links Qt Concurrent: ${UI_LINKS}")
endif()
list(LENGTH sources count)
message(STATUS "ui: ${count} files, no QtConcurrent, thread pool or thread of its own")
