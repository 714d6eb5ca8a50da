"""Executive dashboards, progress reports and open-data exports."""
