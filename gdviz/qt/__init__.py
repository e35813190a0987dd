"""The Qt user interface of gdviz: main window, worker thread, controls and panels."""
